import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";
import { finishOidcSignIn } from "./oidc";

/** Redeemed once per page load, however often the effect below runs (a code is good for one use). */
let finishing: ReturnType<typeof finishOidcSignIn> | null = null;

/** `/dang-nhap/oidc`: where the identity provider sends the person back with a one-time code. */
export function OidcCallbackPage() {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!finishing) {
      const search = new URLSearchParams(globalThis.location.search);
      // The code leaves the address bar at once: it must not linger in history or be shared by copy-paste.
      globalThis.history.replaceState(null, "", "/dang-nhap/oidc");
      finishing = finishOidcSignIn(search);
    }
    let current = true;
    void finishing.then((result) => {
      if (!current) return;
      if ("next" in result) navigate(result.next, { replace: true });
      else setError(result.error);
    });
    return () => {
      current = false;
    };
  }, [navigate]);
  return (
    <main className="sign-in">
      <h1>Đăng nhập</h1>
      {error ? (
        <>
          <p className="notice notice-error" role="alert">
            {error}
          </p>
          <Link to="/dang-nhap">Đăng nhập lại</Link>
        </>
      ) : (
        <p className="loading">Đang hoàn tất đăng nhập…</p>
      )}
    </main>
  );
}
