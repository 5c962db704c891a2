// Date arithmetic and formatting on fixed dates (UTC-independent fields).
import {
  addDays,
  differenceInCalendarDays,
  format,
  parseISO,
  isWeekend,
  eachDayOfInterval,
} from "date-fns";
export function main() {
  const start = parseISO("2024-02-27T12:00:00");
  const end = addDays(start, 5);
  return {
    end: format(end, "yyyy-MM-dd EEEE"),
    diff: differenceInCalendarDays(end, start),
    weekend: eachDayOfInterval({ start, end }).map((d) => isWeekend(d)),
    leap: format(addDays(start, 2), "do MMMM"),
  };
}
