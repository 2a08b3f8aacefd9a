// The analysts' dashboard, in the browser. It holds no data of its own: with the bearer token the analyst
// gives, it calls GET /units, GET /reports/06a, GET /indicators (with groupBy=child: the unit's figures
// and every child unit's, for the ranking, in one call) and GET /calendars, and draws what they answer.
// Plain script (no build step) served from this origin, so the API's CSP (script-src 'self') holds.
// Chart comes from /dashboard/vendor/chart.umd.min.js, loaded before this file.
/* global Chart */

(() => {
  const TIME_ZONE = "Asia/Ho_Chi_Minh";
  const TOKEN_KEY = "motcua.dashboard.token";
  /** Units without a rate are named in a note under the ranking, the first few of them. */
  const NAMED_IN_NOTE = 10;
  const LEVEL_ORDER = { province: 0, department: 1, district: 2, commune: 3 };
  const PARAMETER_NAMES = {
    "query.unitId": "Đơn vị (unit)",
    "query.from": "Từ ngày (from)",
    "query.to": "Đến ngày (to)",
    "query.includeSubunits": "Gồm đơn vị trực thuộc (include subunits)",
  };

  const element = (id) => document.getElementById(id);
  const form = element("filters");
  const tokenInput = element("token");
  const unitSelect = element("unit");
  const fromInput = element("from");
  const toInput = element("to");
  const subunitsInput = element("subunits");
  const errorBox = element("error");
  const calendarWarning = element("calendar-warning");
  const statusLine = element("status");

  /** @type {{ unitId: string, name: string, code: string, level: string, parentId: string | null }[]} */
  let units = [];
  let unitsLoadedFor = null;
  /** Each load gets a number; answers to an older load are dropped (the analyst changed the filters). */
  let generation = 0;
  const charts = { fields: null, ranking: null };

  // ── Dates, numbers ──────────────────────────────────────────────────────────────────────────────

  function todayLocal() {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: TIME_ZONE,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).formatToParts(new Date());
    const part = (type) => parts.find((p) => p.type === type)?.value ?? "";
    return `${part("year")}-${part("month")}-${part("day")}`;
  }

  /** 12345 → "12.345" (Vietnamese grouping), the same in every browser. */
  function formatCount(n) {
    return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  /** 12.345 with 1 digit → "12,3". */
  function formatDecimal(x, digits) {
    const [whole, fraction] = x.toFixed(digits).split(".");
    return `${formatCount(Number(whole))}${fraction ? `,${fraction}` : ""}`;
  }

  const formatPercent = (ratio) => `${formatDecimal(ratio * 100, 1)} %`;

  // ── The token ───────────────────────────────────────────────────────────────────────────────────

  /** `#token=…` (the link `pnpm start` prints): keep it for this tab and take it out of the address bar. */
  function takeTokenFromFragment() {
    const params = new URLSearchParams(window.location.hash.slice(1));
    const token = params.get("token");
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token.trim());
    params.delete("token");
    const rest = params.toString();
    const url = `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ""}`;
    window.history.replaceState(null, "", url);
  }

  const currentToken = () => tokenInput.value.trim();

  function saveToken() {
    const token = currentToken();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  /** The token's claims, only to preselect an officer's own unit; the API decides what the token may read. */
  function claimsOf(token) {
    try {
      const payload = token.split(".")[1] ?? "";
      const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
      const json = new TextDecoder().decode(
        Uint8Array.from(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0)),
      );
      const claims = JSON.parse(json);
      return claims && typeof claims === "object" ? claims : {};
    } catch {
      return {};
    }
  }

  // ── Talking to the API ──────────────────────────────────────────────────────────────────────────

  /** A failure said in words: Vietnamese first, then an English hint. */
  class DashboardError extends Error {
    constructor(message, hint, details = []) {
      super(message);
      this.hint = hint;
      this.details = details;
    }
  }

  function problemError(status, problem) {
    const detail = typeof problem.detail === "string" ? problem.detail : "";
    switch (status) {
      case 400: {
        const details = Array.isArray(problem.errors)
          ? problem.errors.map((e) => `${PARAMETER_NAMES[e.path] ?? e.path}: ${e.message}`)
          : [];
        return new DashboardError(
          "Tham số báo cáo không hợp lệ.",
          `400 Bad request${details.length === 0 && detail ? `: ${detail}` : ""}`,
          details,
        );
      }
      case 401:
        return new DashboardError(
          "Mã truy cập không hợp lệ hoặc đã hết hạn. Hãy nhập mã truy cập mới.",
          `401 Unauthorized${detail ? `: ${detail}` : ""}`,
        );
      case 403:
        return new DashboardError(
          "Mã truy cập này không được xem số liệu của đơn vị đã chọn.",
          `403 Forbidden${detail ? `: ${detail}` : ""}`,
        );
      case 429:
        return new DashboardError(
          "Quá nhiều yêu cầu trong thời gian ngắn; hãy thử lại sau ít phút.",
          "429 Too many requests",
        );
      case 503:
        return new DashboardError(
          "Hệ thống tạm thời chưa trả lời được; hãy thử lại sau.",
          `503 Service unavailable${detail ? `: ${detail}` : ""}`,
        );
      default:
        return new DashboardError(`Máy chủ trả lỗi ${status}.`, detail || `HTTP ${status}`);
    }
  }

  async function getJson(path, params = {}) {
    const token = currentToken();
    const url = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    let response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      });
    } catch {
      throw new DashboardError("Không kết nối được tới máy chủ.", "The API could not be reached");
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) throw problemError(response.status, body && typeof body === "object" ? body : {});
    if (body === null) throw new DashboardError("Máy chủ trả lời không đúng dạng.", "Not a JSON answer");
    return body;
  }

  // ── What the page shows ─────────────────────────────────────────────────────────────────────────

  function setState(state, message = "") {
    document.body.dataset.state = state;
    statusLine.textContent = message;
  }

  function showError(error) {
    errorBox.replaceChildren();
    const known = error instanceof DashboardError;
    const title = document.createElement("p");
    title.className = "message";
    title.textContent = known ? error.message : "Đã có lỗi khi hiển thị số liệu.";
    errorBox.append(title);
    for (const line of known ? error.details : []) {
      const item = document.createElement("p");
      item.className = "detail";
      item.textContent = line;
      errorBox.append(item);
    }
    const hint = document.createElement("p");
    hint.className = "hint";
    hint.lang = "en";
    hint.textContent = known ? error.hint : String(error?.message ?? error);
    errorBox.append(hint);
    errorBox.hidden = false;
    setState("error");
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.replaceChildren();
  }

  /**
   * Deadlines falling in a year whose holiday notice is not loaded are provisional (counted on the fixed
   * solar holidays only): say so for this year, the next, and every year of the period. A failure to
   * read the calendars hides the warning rather than the figures.
   */
  async function showCalendarWarning(from, to) {
    let answer;
    try {
      answer = await getJson("/calendars");
    } catch {
      calendarWarning.hidden = true;
      return;
    }
    const withNotice = new Set(
      (Array.isArray(answer.items) ? answer.items : []).filter((i) => i.hasNotice).map((i) => i.year),
    );
    const years = new Set(
      Array.isArray(answer.comingYearsWithoutNotice) ? answer.comingYearsWithoutNotice : [],
    );
    for (let year = Number(from.slice(0, 4)); year <= Number(to.slice(0, 4)); year++) {
      if (!withNotice.has(year)) years.add(year);
    }
    const missing = [...years].sort((a, b) => a - b);
    if (missing.length === 0) {
      calendarWarning.hidden = true;
      calendarWarning.replaceChildren();
      return;
    }
    const named = missing.join(", ");
    const message = document.createElement("p");
    message.className = "message";
    message.textContent = `Chưa nạp thông báo lịch nghỉ lễ, Tết năm ${named}: hạn giải quyết rơi vào ${
      missing.length > 1 ? "các năm" : "năm"
    } này là tạm tính, chỉ trừ thứ Bảy, Chủ nhật và các ngày lễ dương lịch cố định (1/1, 30/4, 1/5, 2/9, nghỉ bù khi trùng ngày nghỉ hằng tuần); Tết Âm lịch, Giỗ Tổ Hùng Vương và ngày hoán đổi chưa được tính.`;
    const hint = document.createElement("p");
    hint.className = "hint";
    hint.lang = "en";
    hint.textContent = `Provisional deadlines: no holiday notice loaded for ${named}; an admin loads it with PUT /calendars/{year}.`;
    calendarWarning.replaceChildren(message, hint);
    calendarWarning.hidden = false;
  }

  function depthOf(unit, byId) {
    let depth = 0;
    let parent = unit.parentId === null ? undefined : byId.get(unit.parentId);
    while (parent && depth < 10) {
      depth++;
      parent = parent.parentId === null ? undefined : byId.get(parent.parentId);
    }
    return depth;
  }

  /** Units as a tree in the select: each under its parent, by level then name. */
  function fillUnitSelect(preferred) {
    const byId = new Map(units.map((u) => [u.unitId, u]));
    const byParent = new Map();
    for (const unit of units) {
      const parent = unit.parentId !== null && byId.has(unit.parentId) ? unit.parentId : null;
      if (!byParent.has(parent)) byParent.set(parent, []);
      byParent.get(parent).push(unit);
    }
    const order = (a, b) =>
      (LEVEL_ORDER[a.level] ?? 9) - (LEVEL_ORDER[b.level] ?? 9) || a.name.localeCompare(b.name, "vi");
    const options = [];
    const visit = (parentId) => {
      for (const unit of (byParent.get(parentId) ?? []).sort(order)) {
        const option = document.createElement("option");
        option.value = unit.unitId;
        option.textContent = `${"\u00a0\u00a0".repeat(depthOf(unit, byId))}${unit.name}`;
        option.title = unit.code;
        options.push(option);
        visit(unit.unitId);
      }
    };
    visit(null);
    unitSelect.replaceChildren(...options);
    const province = units.find((u) => u.level === "province" && u.parentId === null);
    const choice = [preferred, province?.unitId, units[0]?.unitId].find((id) => id && byId.has(id));
    if (choice) unitSelect.value = choice;
    unitSelect.disabled = units.length === 0;
  }

  async function loadUnits() {
    const token = currentToken();
    const answer = await getJson("/units");
    units = Array.isArray(answer.items) ? answer.items : [];
    unitsLoadedFor = token;
    const claims = claimsOf(token);
    const preferred =
      unitSelect.value ||
      (claims.role === "officer" && typeof claims.unitId === "string" ? claims.unitId : "");
    fillUnitSelect(preferred);
  }

  function setTile(kpi, text, value, detail = "") {
    const tile = document.querySelector(`[data-kpi="${kpi}"]`);
    const valueElement = tile.querySelector(".value");
    valueElement.textContent = text;
    valueElement.dataset.value = value === null || value === undefined ? "" : String(value);
    let detailElement = tile.querySelector(".detail");
    if (!detailElement) {
      detailElement = document.createElement("p");
      detailElement.className = "detail";
      valueElement.after(detailElement);
    }
    detailElement.textContent = detail;
  }

  const orNone = (value, format) => (value === null || value === undefined ? "—" : format(value));

  function renderTiles(total, figures) {
    setTile(
      "received",
      formatCount(total.received),
      total.received,
      `trực tuyến ${formatCount(total.receivedOnline)} · trực tiếp, bưu chính ${formatCount(
        total.receivedDirect,
      )} · kỳ trước chuyển sang ${formatCount(total.carriedOver)}`,
    );
    setTile(
      "resolved",
      formatCount(total.resolved),
      total.resolved,
      `trước hạn ${formatCount(total.resolvedEarly)} · đúng hạn ${formatCount(
        total.resolvedOnTime,
      )} · quá hạn ${formatCount(total.resolvedLate)}; đang giải quyết ${formatCount(total.pending)}`,
    );
    setTile("onTimeRate", orNone(figures.onTimeRate, formatPercent), figures.onTimeRate);
    setTile("onlineShare", orNone(figures.onlineShare, formatPercent), figures.onlineShare);
    setTile("digitizedShare", orNone(figures.digitizedShare, formatPercent), figures.digitizedShare);
    setTile(
      "averageResolutionWorkingDays",
      orNone(figures.averageResolutionWorkingDays, (days) => `${formatDecimal(days, 1)} ngày`),
      figures.averageResolutionWorkingDays,
    );
    setTile(
      "progressScore766",
      orNone(figures.progressScore766, (score) => `${formatDecimal(score, 2)} / 20`),
      figures.progressScore766,
    );
  }

  /** After a failed load nothing of an earlier one stays on screen, to be mistaken for the new answer. */
  function clearFigures() {
    for (const tile of document.querySelectorAll("[data-kpi]")) {
      setTile(tile.dataset.kpi, "—", null);
    }
    for (const key of Object.keys(charts)) {
      charts[key]?.destroy();
      charts[key] = null;
    }
    for (const id of ["fields-note", "ranking-note", "position"]) element(id).textContent = "";
  }

  /** Charts keep their own canvas size; the box around each grows with the number of bars. */
  function sizeChartBox(canvas, bars) {
    canvas.parentElement.style.height = `${Math.max(180, 70 + bars * 34)}px`;
  }

  function drawChart(key, canvasId, config, bars) {
    charts[key]?.destroy();
    const canvas = element(canvasId);
    sizeChartBox(canvas, bars);
    charts[key] = new Chart(canvas, config);
  }

  const FIELD_SERIES = [
    { key: "resolvedEarly", label: "Giải quyết trước hạn", color: "#1a7f37" },
    { key: "resolvedOnTime", label: "Giải quyết đúng hạn", color: "#57b36b" },
    { key: "resolvedLate", label: "Giải quyết quá hạn", color: "#cf222e" },
    { key: "pendingInTime", label: "Đang giải quyết trong hạn", color: "#4c8bd6" },
    { key: "pendingOverdue", label: "Đang giải quyết quá hạn", color: "#e3a008" },
  ];

  function renderFieldsChart(rows) {
    const sorted = [...rows].sort((a, b) => b.received - a.received || a.field.localeCompare(b.field, "vi"));
    drawChart(
      "fields",
      "fields-chart",
      {
        type: "bar",
        data: {
          labels: sorted.map((row) => row.field),
          datasets: FIELD_SERIES.map((series) => ({
            label: series.label,
            data: sorted.map((row) => row[series.key]),
            backgroundColor: series.color,
            stack: "06a",
          })),
        },
        options: {
          indexAxis: "y",
          responsive: true,
          maintainAspectRatio: false,
          scales: {
            x: {
              stacked: true,
              beginAtZero: true,
              ticks: { precision: 0 },
              title: { display: true, text: "hồ sơ" },
            },
            y: { stacked: true },
          },
          plugins: {
            legend: { position: "bottom" },
            tooltip: {
              callbacks: {
                label: (item) => `${item.dataset.label}: ${formatCount(item.parsed.x)}`,
                footer: (items) => {
                  const row = sorted[items[0]?.dataIndex ?? 0];
                  return row ? `Tiếp nhận ${formatCount(row.received)} (kể cả kỳ trước chuyển sang)` : "";
                },
              },
            },
          },
        },
      },
      sorted.length,
    );
    element("fields-note").textContent =
      sorted.length === 0 ? "Không có hồ sơ nào trong kỳ này (no dossiers in this period)." : "";
  }

  const rankingColor = (rate) => (rate >= 0.95 ? "#1a7f37" : rate >= 0.8 ? "#e3a008" : "#cf222e");

  function renderRankingChart(ranked, notes) {
    drawChart(
      "ranking",
      "ranking-chart",
      {
        type: "bar",
        data: {
          labels: ranked.map((entry) => entry.unit.name),
          datasets: [
            {
              label: "Tỷ lệ đúng hạn (%)",
              data: ranked.map((entry) => entry.onTimeRate * 100),
              backgroundColor: ranked.map((entry) => rankingColor(entry.onTimeRate)),
            },
          ],
        },
        options: {
          indexAxis: "y",
          responsive: true,
          maintainAspectRatio: false,
          scales: { x: { min: 0, max: 100, title: { display: true, text: "% đúng hạn (on time)" } } },
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: {
                label: (item) => `Đúng hạn ${formatPercent(ranked[item.dataIndex].onTimeRate)}`,
                afterLabel: (item) => {
                  const score = ranked[item.dataIndex].progressScore766;
                  return score === null ? "" : `Điểm tiến độ 766: ${formatDecimal(score, 2)} / 20`;
                },
              },
            },
          },
        },
      },
      ranked.length,
    );
    element("ranking-note").textContent = notes.join(" ");
  }

  /** The child units by on-time rate, best first, from `/indicators?groupBy=child`'s `children`. */
  function rankChildren(children) {
    const notes = [];
    if (children.length === 0) {
      notes.push("Đơn vị này không có đơn vị trực thuộc (no child units).");
      return { ranked: [], notes };
    }
    const ranked = [];
    const withoutResolved = [];
    for (const child of children) {
      const unit = { unitId: child.unitId, name: child.unitName };
      if (child.onTimeRate === null) withoutResolved.push(unit.name);
      else ranked.push({ ...child, unit });
    }
    ranked.sort((a, b) => b.onTimeRate - a.onTimeRate || a.unit.name.localeCompare(b.unit.name, "vi"));
    if (withoutResolved.length > 0) {
      const named = withoutResolved.slice(0, NAMED_IN_NOTE).join(", ");
      const more = withoutResolved.length - NAMED_IN_NOTE;
      notes.push(
        `${withoutResolved.length} đơn vị chưa có hồ sơ giải quyết trong kỳ (no resolved dossiers): ${named}${
          more > 0 ? ` và ${more} đơn vị khác` : ""
        }.`,
      );
    }
    return { ranked, notes };
  }

  function validate() {
    if (!currentToken()) {
      return new DashboardError("Hãy nhập mã truy cập (token) để xem số liệu.", "A bearer token is needed");
    }
    if (!/^[A-Za-z0-9._~+/=-]+$/.test(currentToken())) {
      return new DashboardError("Mã truy cập không đúng dạng.", "Not a bearer token (JWT)");
    }
    if (!fromInput.value || !toInput.value) {
      return new DashboardError("Hãy chọn khoảng thời gian (từ ngày, đến ngày).", "Choose a period");
    }
    if (toInput.value < fromInput.value) {
      return new DashboardError("Đến ngày phải sau hoặc bằng từ ngày.", "`to` must not be before `from`");
    }
    return null;
  }

  async function show() {
    const current = ++generation;
    const isCurrent = () => current === generation;
    clearError();
    const invalid = validate();
    if (invalid) {
      clearFigures();
      showError(invalid);
      return;
    }
    setState("loading", "Đang tải số liệu…");
    try {
      if (unitsLoadedFor !== currentToken()) await loadUnits();
      if (!isCurrent()) return;
      const unitId = unitSelect.value;
      const params = {
        unitId,
        from: fromInput.value,
        to: toInput.value,
        includeSubunits: String(subunitsInput.checked),
      };
      const [report, figures] = await Promise.all([
        getJson("/reports/06a", params),
        getJson("/indicators", { ...params, groupBy: "child" }),
        showCalendarWarning(params.from, params.to),
      ]);
      if (!isCurrent()) return;
      renderTiles(report.total, figures);
      renderFieldsChart(report.rows);
      const { ranked, notes } = rankChildren(figures.children);
      renderRankingChart(ranked, notes);
      const unit = units.find((u) => u.unitId === unitId);
      element("position").textContent = `Vị trí sự kiện ${formatCount(
        Math.max(report.position, figures.position),
      )} (read position).`;
      // A period reaching past today is answered as of today (toCapped): say so beside the period.
      setState(
        "ready",
        `${unit?.name ?? unitId}, ${fromInput.value} – ${toInput.value}${
          subunitsInput.checked ? ", gồm đơn vị trực thuộc" : ""
        }${report.toCapped ? ` (số liệu tính đến hết ngày ${report.asOf})` : ""}.`,
      );
    } catch (error) {
      if (!isCurrent()) return;
      if (error instanceof DashboardError && error.hint.startsWith("401")) unitsLoadedFor = null;
      clearFigures();
      showError(error);
    }
  }

  // ── Start ───────────────────────────────────────────────────────────────────────────────────────

  takeTokenFromFragment();
  tokenInput.value = sessionStorage.getItem(TOKEN_KEY) ?? "";
  const today = todayLocal();
  fromInput.value = `${today.slice(0, 4)}-01-01`;
  toInput.value = today;

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveToken();
    void show();
  });
  tokenInput.addEventListener("change", () => {
    saveToken();
    unitsLoadedFor = null;
  });
  unitSelect.addEventListener("change", () => void show());
  subunitsInput.addEventListener("change", () => void show());

  if (currentToken()) void show();
  else setState("idle", "Nhập mã truy cập (token) rồi bấm “Xem báo cáo”.");
})();
