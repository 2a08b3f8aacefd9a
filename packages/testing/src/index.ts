export { CALENDAR_2020, CALENDAR_2023, CALENDAR_2025, CALENDAR_2026, REAL_CALENDARS } from "@motcua/domain";
export * from "./dossier-lives";
export * from "./postgres";
export * from "./private-services";
export * from "./redis";
