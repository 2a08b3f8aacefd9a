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

  // Figures appear as they are, without Chart.js's one-second animations: each animation frame redraws
  // the canvas on the main thread (no GPU on an office PC or a headless browser), and on a board of five
  // charts drawn while the map and the other panels still load, that was the board's longest work.
  if (typeof Chart !== "undefined") Chart.defaults.animation = false;

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
  const charts = {
    fields: null,
    ranking: null,
    trendRate: null,
    trendVolume: null,
    ranking766: null,
  };
  /** The read position the figures on screen reflect: live news of a later one refreshes them. */
  let shownPosition = -1;

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

  /** A day (YYYY-MM-DD), or today if it lies after today: reports answer as of today. */
  function notAfterToday(date) {
    const today = todayLocal();
    return date.localeCompare(today) > 0 ? today : date;
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
    if (!response.ok) {
      const error = problemError(response.status, body && typeof body === "object" ? body : {});
      error.status = response.status;
      throw error;
    }
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
    for (const id of ["fields-note", "ranking-note", "position", "map-note", "trend-note", "overdue-note"]) {
      element(id).textContent = "";
    }
    element("map").replaceChildren();
    element("map").dataset.communes = "";
    element("overdue-table").tBodies[0].replaceChildren();
    element("ranking766").hidden = true;
    element("voice").hidden = true;
    shownPosition = -1;
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

  /** The axis starts a little under the lowest value (never below 0): differences near the top show. */
  function axisFloor(values, step = 5) {
    const finite = values.filter((v) => Number.isFinite(v));
    if (finite.length === 0) return 0;
    return Math.max(0, Math.floor((Math.min(...finite) - 1) / step) * step);
  }

  /** A Chart.js plugin printing each bar's value at its end, so a bar alone never hides a difference. */
  function printedValues(format) {
    return {
      id: "printedValues",
      afterDatasetsDraw(chart) {
        const { ctx } = chart;
        ctx.save();
        ctx.font = "12px system-ui, sans-serif";
        ctx.fillStyle = "#1f2328";
        ctx.textBaseline = "middle";
        for (const [d, dataset] of chart.data.datasets.entries()) {
          const meta = chart.getDatasetMeta(d);
          if (meta.hidden) continue;
          for (const [i, bar] of meta.data.entries()) {
            const value = dataset.data[i];
            if (typeof value !== "number") continue;
            const text = format(value);
            const width = ctx.measureText(text).width;
            const inside = bar.x + width + 6 > chart.chartArea.right;
            ctx.fillStyle = inside ? "#ffffff" : "#1f2328";
            ctx.textAlign = inside ? "right" : "left";
            ctx.fillText(text, inside ? bar.x - 4 : bar.x + 4, bar.y);
          }
        }
        ctx.restore();
      },
    };
  }

  const rankingColor = (rate) => (rate >= 0.95 ? "#1a7f37" : rate >= 0.8 ? "#e3a008" : "#cf222e");

  function renderRankingChart(ranked, notes) {
    drawChart(
      "ranking",
      "ranking-chart",
      {
        type: "bar",
        plugins: [printedValues((value) => `${formatDecimal(value, 1)} %`)],
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
          // Not from zero: 97 % and 100 % must look different. The values are printed beside the bars.
          scales: {
            x: {
              min: axisFloor(ranked.map((entry) => entry.onTimeRate * 100)),
              max: 100,
              title: { display: true, text: "% đúng hạn (on time); trục không bắt đầu từ 0" },
            },
          },
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

  // ── The operations board: map, trends, overdue list, 766 ranking, citizens' voice ────────────────

  const COMMUNE_LEVELS = new Set(["commune", "ward"]);
  const MAP_WIDTH = 720;
  const MAP_MAX_HEIGHT = 900;
  /** Grading bands of the 766 total until the API answers its own (`bands` in /rankings/766, a setting). */
  const BANDS_766 = [
    { min: 90, name: "Xuất sắc", color: "#0f6b2f" },
    { min: 80, name: "Tốt", color: "#3f9b4f" },
    { min: 65, name: "Khá", color: "#a4c639" },
    { min: 50, name: "Trung bình", color: "#e3a008" },
    { min: Number.NEGATIVE_INFINITY, name: "Yếu", color: "#cf222e" },
  ];
  const BAND_COLORS = ["#0f6b2f", "#3f9b4f", "#a4c639", "#e3a008", "#cf222e"];
  /** The API's grading bands (`bands: [{ band, from }]`, best first) with colours; "yếu" below the last. */
  function bandsFrom(bands) {
    const sorted = [...bands].sort((a, b) => b.from - a.from);
    return [
      ...sorted.map((b, i) => ({
        min: b.from,
        name: capitalise(b.band),
        color: BAND_COLORS[i] ?? "#cf222e",
      })),
      { min: Number.NEGATIVE_INFINITY, name: "Yếu", color: BAND_COLORS[4] },
    ];
  }
  const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);
  let bands766 = BANDS_766;
  const RATE_BANDS = [
    { min: 0.98, name: "từ 98 %", color: "#0f6b2f" },
    { min: 0.95, name: "95 – dưới 98 %", color: "#3f9b4f" },
    { min: 0.9, name: "90 – dưới 95 %", color: "#a4c639" },
    { min: 0.8, name: "80 – dưới 90 %", color: "#e3a008" },
    { min: 0, name: "dưới 80 %", color: "#cf222e" },
  ];
  const NO_DATA_COLOR = "#d1d9e0";
  const GROUP_NAMES_766 = {
    transparency: "Công khai, minh bạch",
    progress: "Tiến độ giải quyết",
    online: "Dịch vụ công trực tuyến",
    payment: "Thanh toán trực tuyến",
    digitisation: "Số hóa hồ sơ",
    satisfaction: "Mức độ hài lòng",
  };

  let provincesGeojson = null;
  /** Whether this API serves the 766 scores (`/indicators/766`, `/rankings/766`): learnt from its answers. */
  let has766 = null;
  let procedureNames = null;

  const bandOf = (bands, value) => bands.find((b) => value >= b.min) ?? bands[bands.length - 1];
  const shortName = (name) => name.replace(/^UBND\s+/i, "").replace(/^(Xã|Phường|Thị trấn|Đặc khu)\s+/i, "");

  function unitById(unitId) {
    return units.find((u) => u.unitId === unitId);
  }

  /** The province the unit lies in (itself for a province), by its parents. */
  function provinceOf(unitId) {
    let unit = unitById(unitId);
    for (let depth = 0; unit && depth < 10; depth++) {
      if (unit.level === "province" || unit.parentId === null) return unit;
      unit = unitById(unit.parentId);
    }
    return unit ?? null;
  }

  /** Every commune and ward below the province (through districts where the tree still has them). */
  function communesOf(province) {
    const below = new Set([province.unitId]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const unit of units) {
        if (unit.parentId !== null && below.has(unit.parentId) && !below.has(unit.unitId)) {
          below.add(unit.unitId);
          grew = true;
        }
      }
    }
    return units
      .filter((u) => below.has(u.unitId) && COMMUNE_LEVELS.has(u.level))
      .sort((a, b) => a.code.localeCompare(b.code));
  }

  /** The province's shape in the shared boundaries: by its name, else by the code in its unit code (H19). */
  function provinceShape(province) {
    const features = provincesGeojson?.features ?? [];
    const byName = features.find((f) => province.name.includes(f.properties.fullName));
    if (byName) return byName;
    const code = /H(\d{2})$/.exec(province.code)?.[1];
    return features.find((f) => f.properties.code === code) ?? null;
  }

  async function loadGeojson() {
    if (provincesGeojson) return provincesGeojson;
    const response = await fetch("/dashboard/data/provinces-34.geojson");
    if (!response.ok) throw new DashboardError("Không tải được ranh giới tỉnh.", `HTTP ${response.status}`);
    provincesGeojson = await response.json();
    return provincesGeojson;
  }

  /**
   * The read endpoints this API serves, from its OpenAPI document (read once): the board shows the
   * panels of extensions (766 scores, feedback, ratings) only where the API has them.
   */
  let servedPaths = null;
  async function serves(path) {
    if (!servedPaths) {
      servedPaths = fetch("/docs/json")
        .then((r) => (r.ok ? r.json() : { paths: {} }))
        .then((doc) => new Set(Object.keys(doc.paths ?? {})))
        .catch(() => new Set());
    }
    return (await servedPaths).has(path);
  }

  /** Whether this API computes the 766 indicators (read once from its OpenAPI document); kept in has766. */
  async function whether766() {
    has766 = await serves("/indicators/766");
    return has766;
  }

  /** Reads an answer that may not exist on this API (an extension not deployed): null when it does not. */
  async function getOptional(path, params) {
    if (!(await serves(path))) return null;
    try {
      return await getJson(path, params);
    } catch (error) {
      if (error instanceof DashboardError && error.status === 404) return null;
      throw error;
    }
  }

  function period766(to) {
    return { period: element("period766").value, date: to };
  }

  /**
   * Each commune's figure for the map: on-time rates from `/indicators?groupBy=child` of each parent
   * (the load's own answer when the parent is the unit shown), 766 totals from `/rankings/766`.
   */
  async function communeValues(communes, ctx) {
    const parents = [...new Set(communes.map((c) => c.parentId))];
    const values = new Map();
    const measure = element("map-measure").value;
    await Promise.all(
      parents.map(async (parentId) => {
        if (measure === "score766") {
          const answer = await getOptional("/rankings/766", {
            parentId,
            ...period766(ctx.to),
            by: "total",
            ...ctx.minPosition,
          });
          for (const item of answer?.items ?? []) {
            values.set(item.unitId, { value: item.totalScore, band: item.band ?? null });
          }
          return;
        }
        const answer =
          parentId === ctx.unitId && ctx.includeSubunits === "true"
            ? ctx.figures
            : await getJson("/indicators", {
                unitId: parentId,
                from: ctx.from,
                to: ctx.to,
                includeSubunits: "true",
                groupBy: "child",
                ...ctx.minPosition,
              });
        for (const child of answer.children ?? []) values.set(child.unitId, { value: child.onTimeRate });
      }),
    );
    return values;
  }

  function renderLegend(measure) {
    const legend = element("map-legend");
    const bands = measure === "score766" ? bands766 : RATE_BANDS;
    const items = bands.map((band) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = band.color;
      item.append(
        swatch,
        measure === "score766"
          ? Number.isFinite(band.min)
            ? `${band.name} (từ ${formatDecimal(band.min, 0)} điểm)`
            : band.name
          : band.name,
      );
      return item;
    });
    const none = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = NO_DATA_COLOR;
    none.append(swatch, "chưa có số liệu");
    legend.replaceChildren(...items, none);
  }

  /** Dark text on light tiles, white on dark ones. */
  const inkOn = (color) => (["#a4c639", "#e3a008", NO_DATA_COLOR].includes(color) ? "#1f2328" : "#ffffff");

  async function renderMap(ctx) {
    const map = element("map");
    const note = element("map-note");
    const province = provinceOf(ctx.unitId);
    element("map-up").hidden = !province || province.unitId === ctx.unitId;
    if (!province) {
      map.replaceChildren();
      note.textContent = "Không xác định được tỉnh của đơn vị này.";
      return;
    }
    element("map-province").textContent = `— ${province.name.replace(/^UBND\s+/i, "")}`;
    const communes = communesOf(province);
    await loadGeojson();
    const shape = provinceShape(province);
    const measure = element("map-measure").value;
    let values = new Map();
    let valuesNote = "";
    try {
      values = await communeValues(communes, ctx);
    } catch (error) {
      valuesNote =
        error instanceof DashboardError && error.hint.startsWith("403")
          ? " Mã truy cập này không được xem số liệu của các xã, phường khác."
          : ` Không đọc được số liệu của các xã, phường (${error?.hint ?? error}).`;
    }
    const { path, cells, size, height } = MotcuaCartogram.layout(
      shape ? shape.geometry : { type: "Polygon", coordinates: [] },
      communes.length,
      MAP_WIDTH,
      MAP_MAX_HEIGHT,
    );
    map.style.aspectRatio = `${MAP_WIDTH} / ${height}`;
    const svgNs = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(svgNs, "svg");
    svg.setAttribute("viewBox", `0 0 ${MAP_WIDTH} ${height}`);
    svg.setAttribute("aria-hidden", "true");
    svg.classList.add("outline");
    const outline = document.createElementNS(svgNs, "path");
    outline.setAttribute("d", path);
    svg.append(outline);
    const gap = Math.max(1, size * 0.06);
    const tiles = communes.map((commune, i) => {
      const cell = cells[i];
      const entry = values.get(commune.unitId);
      const value = entry?.value ?? null;
      const band =
        value === null ? null : measure === "score766" ? bandOf(bands766, value) : bandOf(RATE_BANDS, value);
      const color = band ? band.color : NO_DATA_COLOR;
      const text =
        value === null ? "—" : measure === "score766" ? formatDecimal(value, 2) : formatPercent(value);
      const tile = document.createElement("button");
      tile.type = "button";
      tile.className = "tile-unit";
      tile.dataset.unitId = commune.unitId;
      tile.dataset.value = value === null ? "" : String(value);
      tile.style.left = `${((cell.x + gap / 2) / MAP_WIDTH) * 100}%`;
      tile.style.top = `${((cell.y + gap / 2) / height) * 100}%`;
      tile.style.width = `${((size - gap) / MAP_WIDTH) * 100}%`;
      tile.style.height = `${((size - gap) / height) * 100}%`;
      tile.style.background = color;
      tile.style.color = inkOn(color);
      const measureName = measure === "score766" ? "điểm 766" : "tỷ lệ đúng hạn";
      // The visible words first (axe: the accessible name contains what is seen), then the rest.
      const label = `${shortName(commune.name)} ${text}: ${commune.name.replace(/^UBND\s+/i, "")}, ${measureName} ${
        value === null ? "chưa có số liệu" : text
      }${entry?.band ? `, ${entry.band}` : band && measure === "score766" ? `, ${band.name}` : ""}`;
      tile.setAttribute("aria-label", label);
      tile.title = label;
      tile.setAttribute("aria-pressed", String(commune.unitId === ctx.unitId));
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = shortName(commune.name);
      const figure = document.createElement("span");
      figure.className = "figure";
      figure.textContent = text;
      tile.append(name, " ", figure);
      tile.addEventListener("click", () => {
        unitSelect.value = commune.unitId;
        void show();
      });
      return tile;
    });
    map.replaceChildren(svg, ...tiles);
    map.dataset.communes = String(communes.length);
    const pixels = (size * map.clientWidth) / MAP_WIDTH;
    map.style.setProperty("--tile-font", `${Math.max(8, Math.min(12, pixels / 5))}px`);
    renderLegend(measure);
    note.textContent = `${communes.length} xã, phường. Dữ liệu không có ranh giới xã, nên mỗi xã, phường là một ô cùng cỡ trong đường viền tỉnh, xếp theo mã đơn vị (không theo vị trí thật); bấm vào ô để xem đơn vị đó.${
      shape ? "" : " Không tìm thấy ranh giới của tỉnh này trong dữ liệu."
    }${valuesNote}`;
  }

  async function renderTrends(ctx) {
    const unit = unitById(ctx.unitId);
    element("trend-unit").textContent = unit?.name ?? ctx.unitId;
    const to = notAfterToday(ctx.to);
    const monthly = await getJson("/reports/monthly", {
      unitId: ctx.unitId,
      to,
      months: "12",
      includeSubunits: ctx.includeSubunits,
      ...ctx.minPosition,
    });
    const months = monthly.months;
    const labels = months.map((m) => `${m.month.slice(5, 7)}/${m.month.slice(0, 4)}`);
    await whether766();
    drawTrends(months, labels, null);
    if (has766) {
      // The 766 line follows when its twelve months are read: the board does not wait for it.
      const loadedFor = generation;
      void Promise.all(
        months.map((m) =>
          getOptional("/indicators/766", {
            unitId: ctx.unitId,
            period: "month",
            date: m.to,
            includeSubunits: ctx.includeSubunits,
            ...ctx.minPosition,
          })
            .then((a) => a?.totalScore ?? null)
            .catch(() => null),
        ),
      ).then((totals) => {
        if (loadedFor === generation) drawTrends(months, labels, totals);
      });
    }
  }

  /** The trend lines; `totals766` (the 766 total per month) when read, else null. */
  function drawTrends(months, labels, totals766) {
    const rateSets = [
      {
        label: "Tỷ lệ đúng hạn (%)",
        data: months.map((m) => (m.onTimeRate === null ? null : m.onTimeRate * 100)),
        borderColor: "#1a7f37",
        backgroundColor: "#1a7f37",
        yAxisID: "rate",
        spanGaps: true,
      },
    ];
    if (totals766) {
      rateSets.push({
        label: "Tổng điểm 766",
        data: totals766,
        borderColor: "#0b5cad",
        backgroundColor: "#0b5cad",
        yAxisID: "score",
        spanGaps: true,
      });
    }
    const lineOptions = (scales) => ({
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom" } },
      scales,
    });
    drawChart(
      "trendRate",
      "trend-rate",
      {
        type: "line",
        data: { labels, datasets: rateSets },
        options: lineOptions({
          rate: {
            position: "left",
            min: axisFloor(rateSets[0].data.filter((v) => v !== null)),
            max: 100,
            title: { display: true, text: "% đúng hạn" },
          },
          ...(totals766
            ? {
                score: {
                  position: "right",
                  min: axisFloor(totals766.filter((v) => v !== null)),
                  max: 100,
                  grid: { drawOnChartArea: false },
                  title: { display: true, text: "điểm 766" },
                },
              }
            : {}),
        }),
      },
      6,
    );
    drawChart(
      "trendVolume",
      "trend-volume",
      {
        type: "line",
        data: {
          labels,
          datasets: [
            { label: "Tiếp nhận mới", data: months.map((m) => m.received), borderColor: "#4c8bd6" },
            { label: "Đã giải quyết", data: months.map((m) => m.resolved), borderColor: "#1a7f37" },
            { label: "Giải quyết quá hạn", data: months.map((m) => m.resolvedLate), borderColor: "#cf222e" },
          ],
        },
        options: lineOptions({ y: { beginAtZero: true, ticks: { precision: 0 } } }),
      },
      6,
    );
    element("trend-note").textContent = has766
      ? totals766
        ? ""
        : "Đang tải điểm 766 theo tháng…"
      : "Điểm 766 theo tháng hiện khi máy chủ tính Bộ chỉ số 766 (GET /indicators/766).";
  }

  function formatMoment(iso) {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: TIME_ZONE,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(new Date(iso));
    const part = (type) => parts.find((p) => p.type === type)?.value ?? "";
    return `${part("hour")}:${part("minute")} ${part("day")}/${part("month")}/${part("year")}`;
  }

  async function renderOverdue(ctx) {
    // The procedures' names (read once) and the list, asked together.
    const [procedures, answer] = await Promise.all([
      procedureNames ? null : getJson("/procedures").catch(() => ({ items: [] })),
      getJson("/reports/overdue", {
        unitId: ctx.unitId,
        includeSubunits: ctx.includeSubunits,
        limit: "50",
        ...ctx.minPosition,
      }),
    ]);
    if (procedures) procedureNames = new Map((procedures.items ?? []).map((p) => [p.procedureId, p.name]));
    const rows = answer.items.map((item) => {
      const row = document.createElement("tr");
      const cells = [
        item.code,
        procedureNames.get(item.procedureId) ?? item.procedureId,
        item.field,
        item.holdingUnitName ?? item.holdingUnitId,
        formatMoment(item.dueAt),
        `${formatCount(item.daysOverdue)} ngày`,
      ];
      for (const text of cells) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      row.lastElementChild.className = "overdue";
      return row;
    });
    element("overdue-table").tBodies[0].replaceChildren(...rows);
    element("overdue-note").textContent =
      rows.length === 0
        ? "Không có hồ sơ nào đang quá hạn (no overdue dossiers)."
        : `${rows.length}${answer.nextCursor ? " hồ sơ đầu tiên" : " hồ sơ"}, đơn vị đang giữ hồ sơ là đơn vị chịu trách nhiệm; không có thông tin cá nhân.`;
  }

  /** Places (`change`) and points (`scoreChange`) gained since the previous period: ▲ up, ▼ down. */
  function changeText(change, scoreChange) {
    const sign = (x) => (x > 0 ? "▲ +" : x < 0 ? "▼ " : "");
    const parts = [];
    if (typeof change === "number") parts.push(`${sign(change)}${change} bậc`);
    if (typeof scoreChange === "number")
      parts.push(`${sign(scoreChange)}${formatDecimal(scoreChange, 2)} điểm`);
    return parts.length === 0 ? "—" : parts.join(", ");
  }

  async function renderRanking766(ctx) {
    const section = element("ranking766");
    const answer = await getOptional("/rankings/766", {
      parentId: ctx.unitId,
      ...period766(ctx.to),
      by: "total",
      ...ctx.minPosition,
    });
    if (Array.isArray(answer?.bands)) bands766 = bandsFrom(answer.bands);
    await whether766();
    element("map-measure").querySelector('[value="score766"]').disabled = !has766;
    for (const button of document.querySelectorAll('[data-export="766"]')) button.disabled = !has766;
    if (!answer || answer.items.length === 0) {
      section.hidden = true;
      charts.ranking766?.destroy();
      charts.ranking766 = null;
      return;
    }
    section.hidden = false;
    const items = [...answer.items].sort((a, b) => a.rank - b.rank);
    drawChart(
      "ranking766",
      "ranking766-chart",
      {
        type: "bar",
        plugins: [printedValues((value) => formatDecimal(value, 2))],
        data: {
          labels: items.map((i) => i.name),
          datasets: [
            {
              label: "Tổng điểm 766",
              data: items.map((i) => i.totalScore),
              backgroundColor: items.map((i) => bandOf(bands766, i.totalScore).color),
            },
          ],
        },
        options: {
          indexAxis: "y",
          responsive: true,
          maintainAspectRatio: false,
          scales: {
            x: {
              min: axisFloor(items.map((i) => i.totalScore)),
              max: 100,
              title: { display: true, text: "điểm (trên 100); trục không bắt đầu từ 0" },
            },
          },
          plugins: { legend: { display: false } },
        },
      },
      items.length,
    );
    const rows = items.map((item) => {
      const row = document.createElement("tr");
      const band = item.band ? capitalise(item.band) : bandOf(bands766, item.totalScore).name;
      const change = changeText(item.change, item.scoreChange);
      for (const text of [String(item.rank), item.name, formatDecimal(item.totalScore, 2), band, change]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      row.title = Object.entries(item.groupScores ?? {})
        .map(([group, score]) => `${GROUP_NAMES_766[group] ?? group}: ${formatDecimal(score, 2)}`)
        .join("; ");
      return row;
    });
    element("ranking766-table").tBodies[0].replaceChildren(...rows);
    element("ranking766-note").textContent = `Xếp loại theo ngưỡng: ${bands766
      .filter((b) => Number.isFinite(b.min))
      .map((b) => `${b.name.toLowerCase()} từ ${formatDecimal(b.min, 0)}`)
      .join(", ")} điểm; dưới đó là yếu.`;
  }

  /** Feedback due and overdue, ratings: shown when this API serves their summaries. */
  async function renderVoice(ctx) {
    const section = element("voice");
    const [feedback, ratings] = await Promise.all([
      getOptional("/reports/feedback", {
        unitId: ctx.unitId,
        from: ctx.from,
        to: ctx.to,
        includeSubunits: ctx.includeSubunits,
        ...ctx.minPosition,
      }).catch(() => null),
      getOptional("/reports/ratings", {
        unitId: ctx.unitId,
        from: ctx.from,
        to: ctx.to,
        includeSubunits: ctx.includeSubunits,
        ...ctx.minPosition,
      }).catch(() => null),
    ]);
    const tiles = [];
    const add = (title, value, hint) => {
      const tile = document.createElement("article");
      tile.className = "tile";
      const heading = document.createElement("h3");
      heading.textContent = title;
      const figure = document.createElement("p");
      figure.className = "value";
      figure.textContent = value;
      tile.append(heading, figure);
      if (hint) {
        const detail = document.createElement("p");
        detail.className = "detail";
        detail.textContent = hint;
        tile.append(detail);
      }
      tiles.push(tile);
    };
    if (feedback) {
      add(
        "Phản ánh đang xử lý",
        formatCount(feedback.open),
        `tiếp nhận trong kỳ ${formatCount(feedback.received)}`,
      );
      add("Phản ánh sắp đến hạn", formatCount(feedback.dueSoon), "trong 48 giờ tới");
      add(
        "Phản ánh đang quá hạn",
        formatCount(feedback.overdue),
        `trở thành quá hạn trong kỳ ${formatCount(feedback.becameOverdue)}`,
      );
      add(
        "Phản ánh đã trả lời",
        formatCount(feedback.answered),
        `đúng hạn ${formatCount(feedback.answeredOnTime)} · quá hạn ${formatCount(feedback.answeredLate)} · công khai ${formatCount(feedback.published)}`,
      );
    }
    if (ratings) {
      add(
        "Lượt đánh giá",
        formatCount(ratings.rated),
        `trên ${formatCount(ratings.returned)} hồ sơ đã trả kết quả`,
      );
      add("Tỷ lệ hài lòng", orNone(ratings.satisfiedShare, formatPercent), "điểm chung từ 4/5");
      add(
        "Điểm đánh giá bình quân",
        orNone(ratings.averageScore, (score) => `${formatDecimal(score, 2)} / 5`),
      );
    }
    element("voice-body").replaceChildren(...tiles);
    section.hidden = tiles.length === 0;
  }

  // ── Live: server-sent events of the read position ───────────────────────────────────────────────

  let live = null;
  let refreshTimer = null;
  let pendingPosition = -1;

  function setLive(state, text) {
    element("live").dataset.live = state;
    element("live-text").textContent = text;
  }

  /** When the last live refresh began: refreshes come at most every REFRESH_EVERY_MS. */
  let lastRefreshAt = 0;
  /** A busy province moves the position many times a second; the board's requests stay well in the rate limit. */
  const REFRESH_EVERY_MS = 2000;

  /** A newer position: refresh the figures at it (at most every 2 s), without clearing the screen. */
  function heard(position) {
    if (position <= shownPosition || position <= pendingPosition) return;
    pendingPosition = position;
    if (refreshTimer) return;
    const wait = Math.max(250, lastRefreshAt + REFRESH_EVERY_MS - Date.now());
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      const target = pendingPosition;
      if (target > shownPosition && document.body.dataset.state === "ready") {
        lastRefreshAt = Date.now();
        void show({ minPosition: target, quiet: true });
      }
    }, wait);
  }

  /**
   * Follows `GET /reports/live` with fetch (EventSource cannot send the bearer token), parsing the
   * stream's events; reconnects after `retry` (2 s) when it drops.
   */
  function connectLive() {
    const token = currentToken();
    if (live?.token === token) return;
    live?.controller.abort();
    if (!token) {
      live = null;
      setLive("off", "Chưa kết nối cập nhật trực tiếp");
      return;
    }
    const controller = new AbortController();
    live = { token, controller };
    const run = async () => {
      let retryMs = 2000;
      while (!controller.signal.aborted) {
        try {
          const response = await fetch("/reports/live", {
            headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
            signal: controller.signal,
          });
          if (response.status === 401 || response.status === 403) {
            setLive("off", "Mã truy cập không được nhận cập nhật trực tiếp");
            return;
          }
          if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
          setLive("on", "Đang cập nhật trực tiếp");
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value.replace(/\r\n?/g, "\n");
            let end = buffer.indexOf("\n\n");
            while (end >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              let event = "message";
              let data = "";
              for (const line of block.split("\n")) {
                if (line.startsWith("event:")) event = line.slice(6).trim();
                else if (line.startsWith("data:")) data += line.slice(5).trim();
                else if (line.startsWith("retry:")) retryMs = Number(line.slice(6).trim()) || retryMs;
              }
              if (event === "position") {
                const position = Number(JSON.parse(data).position);
                if (Number.isFinite(position)) heard(position);
              }
              end = buffer.indexOf("\n\n");
            }
          }
        } catch {
          if (controller.signal.aborted) return;
        }
        setLive("retrying", "Mất kết nối cập nhật trực tiếp, đang kết nối lại…");
        await new Promise((resolve) => setTimeout(resolve, retryMs));
      }
    };
    void run();
  }

  // ── Exports ─────────────────────────────────────────────────────────────────────────────────────

  /** Downloads an export with the token (a plain link cannot carry it), under the server's file name. */
  async function download(kind, format) {
    const unitId = unitSelect.value;
    const to = notAfterToday(toInput.value);
    const params =
      kind === "06a"
        ? { unitId, from: fromInput.value, to: toInput.value, includeSubunits: String(subunitsInput.checked) }
        : { unitId, ...period766(to), includeSubunits: String(subunitsInput.checked) };
    const url = new URL(
      kind === "06a" ? "/reports/06a/export" : "/indicators/766/export",
      window.location.origin,
    );
    for (const [name, value] of Object.entries({ ...params, format })) url.searchParams.set(name, value);
    clearError();
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${currentToken()}` } });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        throw problemError(response.status, problem);
      }
      const disposition = response.headers.get("content-disposition") ?? "";
      const name = /filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1];
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = name ? decodeURIComponent(name) : `bao-cao.${format}`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (error) {
      showError(
        error instanceof DashboardError
          ? error
          : new DashboardError("Không tải được tệp báo cáo.", String(error?.message ?? error)),
      );
    }
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

  /** A panel that could not be read says so in its note; the rest of the board still shows. */
  async function panel(noteId, draw) {
    try {
      await draw();
    } catch (error) {
      const text = error instanceof DashboardError ? `${error.message} (${error.hint})` : String(error);
      if (noteId) element(noteId).textContent = text;
    }
  }

  /**
   * Loads and draws everything for the chosen unit and period. `quiet` (a live refresh at `minPosition`)
   * keeps the figures on screen while it reads, and leaves them if the read fails.
   */
  async function show(options = {}) {
    const { minPosition, quiet = false } = options;
    const current = ++generation;
    const isCurrent = () => current === generation;
    clearError();
    const invalid = validate();
    if (invalid) {
      clearFigures();
      showError(invalid);
      return;
    }
    if (!quiet) setState("loading", "Đang tải số liệu…");
    document.body.dataset.refreshing = String(quiet);
    connectLive();
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
      const at = minPosition === undefined ? {} : { minPosition: String(minPosition) };
      // Everything is asked at once — the core figures without waiting to learn whether this API has the
      // 766 extension (the panels that need it ask, see whether766); only the map waits, for the
      // children's figures it colours by.
      const ctx = {
        ...params,
        to: notAfterToday(params.to),
        figures: null,
        minPosition: at,
      };
      const main = Promise.all([
        getJson("/reports/06a", { ...params, ...at }),
        getJson("/indicators", { ...params, groupBy: "child", ...at }),
        quiet ? null : showCalendarWarning(params.from, params.to),
      ]);
      const panels = Promise.all([
        panel("ranking766-note", () => renderRanking766(ctx)),
        panel("trend-note", () => renderTrends(ctx)),
        panel("overdue-note", () => renderOverdue(ctx)),
        panel(null, () => renderVoice(ctx)),
      ]);
      const [report, figures] = await main;
      if (!isCurrent()) return;
      renderTiles(report.total, figures);
      renderFieldsChart(report.rows);
      const { ranked, notes } = rankChildren(figures.children);
      renderRankingChart(ranked, notes);
      ctx.figures = figures;
      await Promise.all([panel("map-note", () => renderMap(ctx)), panels]);
      if (!isCurrent()) return;
      const position = Math.max(report.position, figures.position);
      shownPosition = position;
      const unit = units.find((u) => u.unitId === unitId);
      element("position").textContent = `Vị trí sự kiện ${formatCount(position)} (read position).`;
      document.body.dataset.position = String(position);
      document.body.dataset.refreshing = "false";
      // A period reaching past today is answered as of today (toCapped): say so beside the period.
      setState(
        "ready",
        `${unit?.name ?? unitId}, ${fromInput.value} – ${toInput.value}${
          subunitsInput.checked ? ", gồm đơn vị trực thuộc" : ""
        }${report.toCapped ? ` (số liệu tính đến hết ngày ${report.asOf})` : ""}.`,
      );
      // News that came while this load ran.
      if (pendingPosition > shownPosition) {
        const target = pendingPosition;
        pendingPosition = -1;
        heard(target);
      }
    } catch (error) {
      if (!isCurrent()) return;
      document.body.dataset.refreshing = "false";
      if (quiet) {
        // The figures on screen stay; the next news tries again.
        pendingPosition = shownPosition;
        return;
      }
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
  element("map-measure").addEventListener("change", () => void show());
  element("period766").addEventListener("change", () => void show());
  element("map-up").addEventListener("click", () => {
    const province = provinceOf(unitSelect.value);
    if (province) {
      unitSelect.value = province.unitId;
      void show();
    }
  });
  for (const button of document.querySelectorAll("[data-export]")) {
    button.addEventListener("click", () => void download(button.dataset.export, button.dataset.format));
  }
  subunitsInput.addEventListener("change", () => void show());

  // Read while the first figures load: what the API serves, and the provinces' boundaries.
  void serves("/indicators/766");
  void loadGeojson().catch(() => {});
  if (currentToken()) void show();
  else setState("idle", "Nhập mã truy cập (token) rồi bấm “Xem báo cáo”.");
})();
