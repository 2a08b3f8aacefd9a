export * from "./decider-specification";
export * from "./fixtures/calendars";
export * from "./postgres";
export * from "./redis";
