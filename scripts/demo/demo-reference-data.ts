import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CalendarYearInput, type ProcedureDefinitionInput, REAL_CALENDARS } from "@motcua/domain";

/**
 * Demo reference data for `pnpm start` and `pnpm simulate`: a real province's post-2025 communes and
 * wards (from ../shared/data/vn-units), the province's departments, procedures with real-looking codes,
 * fields and time limits, and the civil-service calendars of the current and previous years.
 */

interface SourceProvince {
  Code: string;
  FullName: string;
  Wards: { Code: string; FullName: string; ProvinceCode: string }[];
}

export interface DemoUnit {
  unitId: string;
  code: string;
  name: string;
  level: "province" | "department" | "district" | "commune";
  parentId: string | null;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Where the shared data lives: beside the repository (../shared) in development and CI. */
export function unitsDataPath(): string {
  return (
    process.env.MOTCUA_UNITS_DATA ??
    join(here, "..", "..", "..", "shared", "data", "vn-units", "units-2025.json")
  );
}

export function loadProvinces(path = unitsDataPath()): SourceProvince[] {
  return JSON.parse(readFileSync(path, "utf8")) as SourceProvince[];
}

/** Provincial departments (sở) after the 2025 reorganisation, which receive department-level dossiers. */
export const DEPARTMENTS = [
  ["so-tu-phap", "Sở Tư pháp"],
  ["so-tai-chinh", "Sở Tài chính"],
  ["so-xay-dung", "Sở Xây dựng"],
  ["so-nong-nghiep-moi-truong", "Sở Nông nghiệp và Môi trường"],
  ["so-y-te", "Sở Y tế"],
  ["so-giao-duc-dao-tao", "Sở Giáo dục và Đào tạo"],
  ["so-noi-vu", "Sở Nội vụ"],
  ["so-cong-thuong", "Sở Công Thương"],
  ["so-van-hoa-the-thao-du-lich", "Sở Văn hóa, Thể thao và Du lịch"],
  ["so-khoa-hoc-cong-nghe", "Sở Khoa học và Công nghệ"],
] as const;

/** The most synthetic districts a three-level province is given (Thừa Thiên Huế had 9 district centres). */
export const MAX_SYNTHETIC_DISTRICTS = 9;

/**
 * A province's units: the provincial People's Committee, its departments and its communes and wards.
 * Codes follow the shape of QCVN 102 (`000.00.00.H19`): communes use their official 5-digit code.
 *
 * `structure: "three-level"` puts back a district level (before 1 July 2025): the shared data holds only
 * the post-reform communes, so they are grouped, in the order of their official codes (which follows the
 * old districts), into about nine synthetic districts — "Huyện mô phỏng số N", ids `…-huyen-mo-phong-N`
 * and codes `000.MPN.00.H19` that no real unit can have — each the parent of its communes.
 */
export function demoUnits(
  provinceCode = "19",
  options: { communes?: number; structure?: "two-level" | "three-level" } = {},
): DemoUnit[] {
  const province = loadProvinces().find((p) => p.Code === provinceCode);
  if (!province) throw new Error(`no province with code ${provinceCode} in ${unitsDataPath()}`);
  const suffix = `H${provinceCode}`;
  const provinceId = `vn-${provinceCode}`;
  const shortName = province.FullName.replace(/^(Tỉnh|Thành phố) /, "");
  const units: DemoUnit[] = [
    {
      unitId: provinceId,
      code: `000.00.00.${suffix}`,
      name: `UBND ${province.FullName}`,
      level: "province",
      parentId: null,
    },
  ];
  DEPARTMENTS.forEach(([slug, name], i) => {
    units.push({
      unitId: `${provinceId}-${slug}`,
      code: `000.00.${String(10 + i).padStart(2, "0")}.${suffix}`,
      name: `${name} ${shortName}`,
      level: "department",
      parentId: provinceId,
    });
  });
  const wards = options.communes === undefined ? province.Wards : province.Wards.slice(0, options.communes);
  const sorted = [...wards].sort((a, b) => a.Code.localeCompare(b.Code));
  const districtCount =
    options.structure === "three-level"
      ? Math.max(1, Math.min(MAX_SYNTHETIC_DISTRICTS, Math.round(wards.length / 10)))
      : 0;
  const districtOf = new Map<string, string>();
  for (let d = 0; d < districtCount; d++) {
    const n = d + 1;
    const unitId = `${provinceId}-huyen-mo-phong-${n}`;
    units.push({
      unitId,
      code: `000.MP${n}.00.${suffix}`,
      name: `UBND Huyện mô phỏng số ${n} (${shortName})`,
      level: "district",
      parentId: provinceId,
    });
    const first = Math.floor((d * sorted.length) / districtCount);
    const last = Math.floor(((d + 1) * sorted.length) / districtCount);
    for (const ward of sorted.slice(first, last)) districtOf.set(ward.Code, unitId);
  }
  for (const ward of wards) {
    units.push({
      unitId: `${provinceId}-${ward.Code}`,
      code: `${ward.Code.slice(0, 3)}.${ward.Code.slice(3, 5)}.00.${suffix}`,
      name: `UBND ${ward.FullName}`,
      level: "commune",
      parentId: districtOf.get(ward.Code) ?? provinceId,
    });
  }
  return units;
}

type DemoProcedure = { procedureId: string } & ProcedureDefinitionInput;

const p = (
  procedureId: string,
  code: string,
  name: string,
  field: string,
  level: "commune" | "department" | "province",
  timeLimit: ProcedureDefinitionInput["timeLimit"],
  onlineService: "full" | "partial" | "none",
  extra: Partial<ProcedureDefinitionInput> = {},
): DemoProcedure => ({
  procedureId,
  code,
  name,
  field,
  level,
  timeLimit,
  onlineService,
  // Every procedure says where it is received and which way it travels: by default at its own level,
  // going nowhere else.
  receivableAt: [level],
  interLevels: [level],
  ...extra,
});

const wd = (value: number) => ({ value, unit: "working_days" as const });

/** Procedures across the fields a province handles, with their (shortened) time limits. */
export const DEMO_PROCEDURES: DemoProcedure[] = [
  p(
    "ho-tich-khai-sinh",
    "1.001193",
    "Đăng ký khai sinh",
    "Hộ tịch",
    "commune",
    { value: 0, unit: "same_day" },
    "full",
  ),
  p("ho-tich-ket-hon", "1.000894", "Đăng ký kết hôn", "Hộ tịch", "commune", wd(3), "full"),
  p(
    "ho-tich-khai-tu",
    "1.000656",
    "Đăng ký khai tử",
    "Hộ tịch",
    "commune",
    { value: 0, unit: "same_day" },
    "full",
  ),
  p(
    "ho-tich-xac-nhan-hon-nhan",
    "1.004873",
    "Cấp Giấy xác nhận tình trạng hôn nhân",
    "Hộ tịch",
    "commune",
    wd(3),
    "full",
  ),
  p(
    "ho-tich-trich-luc",
    "1.003583",
    "Cấp bản sao trích lục hộ tịch",
    "Hộ tịch",
    "commune",
    { value: 0, unit: "same_day" },
    "full",
  ),
  p(
    "chung-thuc-ban-sao",
    "2.000815",
    "Chứng thực bản sao từ bản chính",
    "Chứng thực",
    "commune",
    { value: 0, unit: "same_day" },
    "partial",
  ),
  p(
    "chung-thuc-chu-ky",
    "2.000884",
    "Chứng thực chữ ký trong giấy tờ, văn bản",
    "Chứng thực",
    "commune",
    { value: 0, unit: "same_day" },
    "partial",
  ),
  p(
    "chung-thuc-hop-dong",
    "2.001035",
    "Chứng thực hợp đồng, giao dịch liên quan đến nhà ở",
    "Chứng thực",
    "commune",
    wd(2),
    "none",
  ),
  p(
    "ho-kinh-doanh",
    "2.000720",
    "Đăng ký thành lập hộ kinh doanh",
    "Thành lập và hoạt động hộ kinh doanh",
    "commune",
    wd(3),
    "full",
  ),
  p(
    "xay-dung-gpxd-nha-o",
    "1.009994",
    "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "Xây dựng",
    "commune",
    wd(12),
    "partial",
    {
      supplementWindowWorkingDays: 20,
    },
  ),
  p(
    "dat-dai-bien-dong",
    "1.004227",
    "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
    "Đất đai",
    "commune",
    wd(8),
    "partial",
    {
      supplementPolicy: "resume",
    },
  ),
  p(
    "dat-dai-cap-lan-dau",
    "1.004221",
    "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
    "Đất đai",
    "commune",
    wd(17),
    "partial",
    {
      interLevel: true,
      interLevels: ["commune", "department"],
    },
  ),
  p(
    "bao-tro-tro-cap",
    "1.001776",
    "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng",
    "Bảo trợ xã hội",
    "commune",
    wd(15),
    "full",
  ),
  p(
    "nguoi-co-cong-tu-tuat",
    "1.002519",
    "Giải quyết chế độ trợ cấp tuất đối với thân nhân người có công",
    "Người có công",
    "commune",
    wd(20),
    "partial",
    {
      interLevel: true,
      interLevels: ["commune", "department"],
    },
  ),
  p(
    "tu-phap-ly-lich",
    "2.000488",
    "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
    "Lý lịch tư pháp",
    "department",
    wd(7),
    "full",
    {
      // Received at any commune or ward of the province too, whatever the applicant's residence
      // (Decree 118/2025), and passed on to the department that issues it.
      receivableAt: ["department", "commune"],
      interLevel: true,
      interLevels: ["commune", "department"],
    },
  ),
  p(
    "dang-ky-doanh-nghiep",
    "2.002088",
    "Đăng ký thành lập doanh nghiệp tư nhân",
    "Thành lập và phát triển doanh nghiệp",
    "department",
    wd(3),
    "full",
  ),
  p(
    "cong-thuong-ruou",
    "2.000620",
    "Cấp Giấy phép bán buôn rượu",
    "Lưu thông hàng hóa trong nước",
    "department",
    wd(10),
    "full",
  ),
  p(
    "y-te-attp",
    "1.002425",
    "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
    "An toàn thực phẩm",
    "department",
    wd(15),
    "partial",
  ),
  p(
    "y-te-hanh-nghe",
    "1.001907",
    "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh",
    "Khám bệnh, chữa bệnh",
    "department",
    wd(30),
    "partial",
  ),
  p(
    "giao-duc-mam-non",
    "1.005099",
    "Cho phép cơ sở giáo dục mầm non hoạt động giáo dục",
    "Giáo dục và Đào tạo",
    "department",
    wd(15),
    "partial",
  ),
  p(
    "xay-dung-gplx",
    "1.002809",
    "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
    "Đường bộ",
    "department",
    wd(5),
    "full",
  ),
  p(
    "nong-nghiep-khoang-san",
    "1.004345",
    "Cấp Giấy phép khai thác khoáng sản",
    "Địa chất và khoáng sản",
    "department",
    { value: 90, unit: "calendar_days" },
    "none",
  ),
  p(
    "noi-vu-thi-dua",
    "1.000775",
    "Tặng Bằng khen của Chủ tịch UBND cấp tỉnh",
    "Thi đua, khen thưởng",
    "province",
    wd(20),
    "none",
    // The Department of Home Affairs receives it and passes it to the province's People's Committee.
    { receivableAt: ["department"], interLevels: ["department", "province"] },
  ),
  p(
    "van-hoa-karaoke",
    "1.001029",
    "Cấp Giấy phép đủ điều kiện kinh doanh dịch vụ karaoke",
    "Văn hóa cơ sở",
    "department",
    wd(5),
    "full",
  ),
  p(
    "khcn-do-luong",
    "1.002394",
    "Chứng nhận đăng ký hoạt động thử nghiệm",
    "Tiêu chuẩn đo lường chất lượng",
    "department",
    { value: 16, unit: "working_hours" },
    "full",
  ),
  p(
    "tiep-cong-dan",
    "2.001912",
    "Giải quyết khiếu nại lần đầu",
    "Giải quyết khiếu nại",
    "commune",
    { value: 30, unit: "calendar_days" },
    "none",
  ),
];

/**
 * Civil-service calendars: the domain's official ones, from the notices (the tests use the same), never a
 * second copy. A year without one still counts the Labour Code's fixed solar holidays, provisionally.
 */
export const DEMO_CALENDARS: readonly CalendarYearInput[] = REAL_CALENDARS;
