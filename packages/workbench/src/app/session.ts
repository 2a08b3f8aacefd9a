/**
 * Who is signed in: the bearer token and the claims the page shows (name, role, unit). Kept in
 * sessionStorage — gone when the tab closes, never in a URL or a cookie the server would log.
 */
export type Role = "officer" | "auditor" | "analyst" | "admin";

export interface Session {
  readonly token: string;
  readonly role: Role;
  readonly name: string;
  readonly unitId?: string;
  readonly unitName?: string;
  readonly expiresAt: string;
}

const KEY = "motcua.session";

export function currentSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw) as Session;
    if (Date.parse(session.expiresAt) <= Date.now()) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return session;
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}
