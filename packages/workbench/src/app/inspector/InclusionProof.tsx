import { api, isProblem } from "../api";
import { useLoad } from "../load";
import { dateTime, refusalWords } from "../vi";
import { leafHashOf, rootFromInclusionProof, verifyHeadSignature } from "./rfc9162";

interface ProofCheck {
  readonly revision: number;
  readonly leafIndex: number;
  readonly pathLength: number;
  readonly ok: boolean;
}

type Outcome =
  | { readonly kind: "no-head" }
  | { readonly kind: "problem"; readonly message: string }
  | {
      readonly kind: "checked";
      readonly at: string;
      readonly treeSize: number;
      readonly rootHash: string;
      readonly signature: boolean | null;
      readonly events: readonly ProofCheck[];
      readonly notYetSigned: number;
    };

/**
 * The dossier's events proved to be in the transparency log the latest signed head commits to — checked
 * here in the browser (WebCrypto SHA-256, RFC 9162's algorithm; the head's Ed25519 signature too where the
 * browser has it), so the badge does not rest on the server's word.
 */
export function InclusionProof(props: { dossierId: string; eventCount: number }) {
  const [loaded] = useLoad(async (): Promise<Outcome> => {
    // The list, not /latest: before the first head it answers an empty list rather than a 404.
    const latest = await api.GET("/audit/checkpoints", { params: { query: { limit: 1 } } });
    if (!latest.data)
      return {
        kind: "problem",
        message: isProblem(latest.error) ? refusalWords(latest.error) : "Không tải được bản ký.",
      };
    const head = latest.data.items[0];
    if (head === undefined) return { kind: "no-head" };
    const [proof, key] = await Promise.all([
      api.GET("/dossiers/{id}/proof", {
        params: { path: { id: props.dossierId }, query: { treeSize: head.checkpoint.treeSize } },
      }),
      api.GET("/audit/public-key"),
    ]);
    if (!proof.data)
      return {
        kind: "problem",
        message: isProblem(proof.error) ? refusalWords(proof.error) : "Không tải được bằng chứng.",
      };
    const events: ProofCheck[] = [];
    for (const event of proof.data.events) {
      const root = await rootFromInclusionProof(
        event.leafIndex,
        head.checkpoint.treeSize,
        await leafHashOf(event.hash),
        event.auditPath,
      );
      events.push({
        revision: event.revision,
        leafIndex: event.leafIndex,
        pathLength: event.auditPath.length,
        ok: root !== null && root === head.checkpoint.rootHash,
      });
    }
    return {
      kind: "checked",
      at: head.checkpoint.at,
      treeSize: head.checkpoint.treeSize,
      rootHash: head.checkpoint.rootHash,
      signature: key.data ? await verifyHeadSignature(head, key.data.publicKeyPem) : null,
      events,
      notYetSigned: Math.max(0, props.eventCount - events.length),
    };
  }, [props.dossierId, props.eventCount]);

  return (
    <section className="panel" aria-labelledby="proof-title">
      <h2 id="proof-title">Bằng chứng trong nhật ký minh bạch</h2>
      {loaded.state === "loading" && <p className="muted">Đang kiểm tra bằng chứng…</p>}
      {loaded.state === "failed" && <p className="notice notice-error">{refusalWords(loaded.problem)}</p>}
      {loaded.state === "ready" && loaded.value.kind === "no-head" && (
        <p className="notice notice-warning" data-testid="proof-badge">
          Hệ thống chưa ký bản ghi nào của nhật ký minh bạch; bằng chứng sẽ có sau lần ký đầu tiên.
        </p>
      )}
      {loaded.state === "ready" && loaded.value.kind === "problem" && (
        <p className="notice notice-error">{loaded.value.message}</p>
      )}
      {loaded.state === "ready" && loaded.value.kind === "checked" && <ProofResult outcome={loaded.value} />}
    </section>
  );
}

function ProofResult(props: { outcome: Extract<Outcome, { kind: "checked" }> }) {
  const { outcome } = props;
  const proved = outcome.events.filter((e) => e.ok).length;
  const allProved = proved === outcome.events.length && outcome.events.length > 0;
  return (
    <>
      <p>
        {allProved ? (
          <span className="badge badge-ok" data-testid="proof-badge">
            Đã kiểm tra trong trình duyệt: {proved}/{outcome.events.length} sự kiện nằm trong cây đã ký
          </span>
        ) : (
          <span className="badge badge-broken" data-testid="proof-badge">
            Bằng chứng không khớp với bản ký: {outcome.events.length - proved}/{outcome.events.length} sự kiện
            không chứng minh được
          </span>
        )}{" "}
        {outcome.signature === true && (
          <span className="badge badge-ok" data-testid="signature-badge">
            Chữ ký Ed25519 của bản ghi hợp lệ
          </span>
        )}
        {outcome.signature === false && (
          <span className="badge badge-broken" data-testid="signature-badge">
            Chữ ký của bản ghi không hợp lệ
          </span>
        )}
        {outcome.signature === null && (
          <span className="badge" data-testid="signature-badge">
            Trình duyệt này không kiểm tra được chữ ký Ed25519: kiểm tra bằng pnpm audit:verify
          </span>
        )}
      </p>
      <p className="muted">
        Bản ghi cây ký lúc {dateTime(outcome.at)}, gồm {outcome.treeSize.toLocaleString("vi-VN")} sự kiện của
        toàn hệ thống; gốc cây <code className="hash">{outcome.rootHash.slice(0, 16)}…</code>
        {outcome.notYetSigned > 0 &&
          `; ${outcome.notYetSigned} sự kiện mới hơn bản ký này sẽ có bằng chứng sau lần ký tiếp theo`}
        .
      </p>
      <div className="table-wrap">
        <table data-testid="proof-table">
          <caption className="visually-hidden">Bằng chứng từng sự kiện</caption>
          <thead>
            <tr>
              <th scope="col">Phiên bản</th>
              <th scope="col">Vị trí lá trong cây</th>
              <th scope="col">Số mắt xích</th>
              <th scope="col">Kết quả</th>
            </tr>
          </thead>
          <tbody>
            {outcome.events.map((e) => (
              <tr key={e.revision}>
                <td>{e.revision}</td>
                <td>{e.leafIndex.toLocaleString("vi-VN")}</td>
                <td>{e.pathLength}</td>
                <td>{e.ok ? "Khớp với gốc cây đã ký" : "Không khớp"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
