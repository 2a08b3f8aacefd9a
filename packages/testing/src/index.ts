export * from "./decider-specification";
export * from "./postgres";
export * from "./redis";
export * from "./fixtures/calendars";
