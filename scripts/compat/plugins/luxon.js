// Date maths and ISO formatting with luxon (which relies on Intl).
import { DateTime, Duration, Interval } from "luxon";
export function main() {
  const d = DateTime.fromISO("2024-06-15T10:20:30", { zone: "utc" });
  return {
    iso: d.plus({ days: 20, hours: 5 }).toISO(),
    weekday: d.weekdayLong,
    formatted: d.toFormat("yyyy LLL dd"),
    duration: Duration.fromObject({ minutes: 135 }).shiftTo("hours", "minutes").toObject(),
    days: Interval.fromDateTimes(d, d.plus({ weeks: 2 })).length("days"),
  };
}
