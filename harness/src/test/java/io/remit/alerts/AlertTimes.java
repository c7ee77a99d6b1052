package io.remit.alerts;

import java.util.List;

/** One alert under one fault: seconds from the fault to firing and from healing to resolved (null: it did not). */
record AlertTimes(String alert, String fault, Long toFire, Long toResolve) {
    static String markdown(List<AlertTimes> rows) {
        StringBuilder table = new StringBuilder("| alert | fault | fault → firing (s) | healed → resolved (s) |\n")
                .append("| --- | --- | ---: | ---: |\n");
        for (AlertTimes row : rows)
            table.append("| ")
                    .append(row.alert())
                    .append(" | ")
                    .append(row.fault())
                    .append(" | ")
                    .append(row.toFire() == null ? "did not fire" : row.toFire())
                    .append(" | ")
                    .append(row.toFire() == null ? "–" : row.toResolve() == null ? "did not resolve" : row.toResolve())
                    .append(" |\n");
        return table.toString();
    }
}
