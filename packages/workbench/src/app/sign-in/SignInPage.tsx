import { useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api, isProblem } from "../api";
import { Loading, ProblemNotice } from "../layout";
import { orThrow, useLoad } from "../load";
import { forgetReferenceData } from "../reference";
import { type Role, saveSession } from "../session";
import { LEVEL, refusalWords } from "../vi";
import { startOidcSignIn } from "./oidc";

interface DemoUser {
  role: Role;
  name: string;
  title: string;
  unitId?: string;
  unitName?: string;
  unitLevel?: string;
}

/**
 * Development sign-in: the demo users of this installation (an officer per unit, an inspector, an
 * analyst, an admin); choosing one mints a development token through `POST /dev/sign-in`. Production
 * signs in through the province's identity provider and answers this page's requests with 403.
 */
export function SignInPage() {
  const [options] = useLoad(async () => orThrow(await api.GET("/auth/sign-in-options")), []);
  const development = options.state === "ready" && options.value.development;
  const [users] = useLoad(
    async () => (development ? (orThrow(await api.GET("/dev/users")).items as DemoUser[]) : []),
    [development],
  );
  const [filter, setFilter] = useState("");
  const [error, setError] = useState<string | null>(null);
  const navigate = useNavigate();
  const [params] = useSearchParams();

  async function signIn(user: DemoUser) {
    setError(null);
    const answer = await api.POST("/dev/sign-in", {
      body: { role: user.role, name: user.name, ...(user.unitId ? { unitId: user.unitId } : {}) },
    });
    if (!answer.data) {
      setError(isProblem(answer.error) ? refusalWords(answer.error) : "Không đăng nhập được.");
      return;
    }
    forgetReferenceData();
    saveSession({
      token: answer.data.token,
      expiresAt: answer.data.expiresAt,
      role: user.role,
      name: user.name,
      ...(user.unitId ? { unitId: user.unitId } : {}),
      ...(user.unitName ? { unitName: user.unitName } : {}),
    });
    const next = params.get("tiep");
    navigate(next?.startsWith("/") ? next : user.role === "auditor" ? "/thanh-tra" : "/");
  }

  const needle = filter.trim().toLocaleLowerCase("vi");
  return (
    <main className="sign-in">
      <h1>Đăng nhập</h1>
      {error && <ProblemNotice message={error} />}
      {options.state === "loading" && <Loading />}
      {options.state === "failed" && <ProblemNotice message={refusalWords(options.problem)} />}
      {options.state === "ready" && options.value.oidc && (
        <section className="panel">
          <p>Cán bộ đăng nhập bằng tài khoản do hệ thống xác thực của tỉnh cấp.</p>
          <button
            type="button"
            onClick={() => {
              const oidc = options.value.oidc;
              if (oidc) void startOidcSignIn(oidc, params.get("tiep") ?? "/");
            }}
          >
            Đăng nhập bằng tài khoản của tỉnh
          </button>
        </section>
      )}
      {development && (
        <p className="lead">
          Môi trường thử nghiệm: chọn một người dùng mẫu theo vai trò và đơn vị. Khi vận hành chính thức, cán
          bộ đăng nhập qua hệ thống xác thực của tỉnh.
        </p>
      )}
      {development && users.state === "loading" && <Loading />}
      {users.state === "failed" && <ProblemNotice message={refusalWords(users.problem)} />}
      {development && users.state === "ready" && (
        <>
          <label className="field">
            <span>Tìm theo tên đơn vị hoặc người dùng</span>
            <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </label>
          <ul className="user-list">
            {users.value
              .filter(
                (u) =>
                  needle === "" ||
                  `${u.name} ${u.title} ${u.unitName ?? ""}`.toLocaleLowerCase("vi").includes(needle),
              )
              .slice(0, 60)
              .map((user) => (
                <li key={`${user.role}-${user.unitId ?? ""}`}>
                  <button type="button" className="user-card" onClick={() => void signIn(user)}>
                    <span className="user-name">{user.name}</span>
                    <span className="user-title">{user.title}</span>
                    {user.unitName && (
                      <span className="user-unit">
                        {user.unitName}
                        {user.unitLevel ? ` (${LEVEL[user.unitLevel] ?? user.unitLevel})` : ""}
                      </span>
                    )}
                  </button>
                </li>
              ))}
          </ul>
        </>
      )}
    </main>
  );
}
