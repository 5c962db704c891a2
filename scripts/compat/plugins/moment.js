// Formats and compares dates with moment.
import moment from "moment";
export function main() {
  const d = moment("2024-01-31 10:00", "YYYY-MM-DD HH:mm");
  return {
    plusMonth: d.clone().add(1, "month").format("YYYY-MM-DD"),
    week: d.isoWeek(),
    pretty: d.format("dddd, MMMM Do YYYY, h:mm a"),
    duration: moment.duration(3725, "seconds").humanize(),
    diff: moment("2024-03-01").diff(moment("2024-02-01"), "days"),
  };
}
