// Parses, shifts and formats dates with dayjs and one of its plugins.
import dayjs from "dayjs";
import relativeTime from "dayjs/plugin/relativeTime.js";
dayjs.extend(relativeTime);
export function main() {
  const d = dayjs("2024-03-10T08:30:00");
  return {
    formatted: d.add(1, "month").format("YYYY-MM-DD HH:mm dddd"),
    startOfWeek: d.startOf("week").format("YYYY-MM-DD"),
    from: d.from(dayjs("2024-05-10T08:30:00")),
    valid: dayjs("not a date").isValid(),
  };
}
