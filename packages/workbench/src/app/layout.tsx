import type { ReactNode } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { forgetReferenceData } from "./reference";
import { currentSession, type Role, type Session, signOut } from "./session";
import { ROLE } from "./vi";

/** The workbench's frame: who is signed in, where they can go, and the page. */
export function WorkbenchLayout(props: { title: string; children: ReactNode }) {
  const session = currentSession();
  const navigate = useNavigate();
  if (!session) return null;
  return (
    <div className="workbench">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            MC
          </span>
          <span>Một cửa điện tử</span>
        </div>
        <nav aria-label="Chức năng">
          {session.role === "officer" && (
            <>
              <Link to="/">Hồ sơ của đơn vị</Link>
              <Link to="/tiep-nhan">Tiếp nhận hồ sơ</Link>
            </>
          )}
          {(session.role === "auditor" || session.role === "officer") && (
            <Link to="/thanh-tra">Tra cứu lịch sử</Link>
          )}
          {session.role === "admin" && <Link to="/quan-tri">Quản trị danh mục</Link>}
          {(session.role === "officer" || session.role === "admin") && (
            <Link to="/phan-anh-kien-nghi">Phản ánh, kiến nghị</Link>
          )}
          <Link to="/tra-cuu">Tra cứu công khai</Link>
        </nav>
        <div className="who">
          <span className="who-name">{session.name}</span>
          <span className="who-role">
            {ROLE[session.role]}
            {session.unitName ? ` · ${session.unitName}` : ""}
          </span>
          <button
            type="button"
            className="link-button"
            onClick={() => {
              signOut();
              forgetReferenceData();
              navigate("/dang-nhap");
            }}
          >
            Đăng xuất
          </button>
        </div>
      </header>
      <main className="content">
        <h1>{props.title}</h1>
        {props.children}
      </main>
    </div>
  );
}

/** A page for signed-in people of these roles; anyone else goes to sign-in. */
export function RequireSession(props: { roles: readonly Role[]; children: (session: Session) => ReactNode }) {
  const session = currentSession();
  const location = useLocation();
  if (!session) return <Navigate to={`/dang-nhap?tiep=${encodeURIComponent(location.pathname)}`} replace />;
  if (!props.roles.includes(session.role)) return <Navigate to="/" replace />;
  return <>{props.children(session)}</>;
}

export function ProblemNotice(props: { message: string }) {
  return (
    <p className="notice notice-error" role="alert">
      {props.message}
    </p>
  );
}

export function Loading() {
  return (
    <p className="loading" aria-live="polite">
      Đang tải…
    </p>
  );
}
