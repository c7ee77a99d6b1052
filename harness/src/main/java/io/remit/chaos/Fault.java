package io.remit.chaos;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The faults a chaos run can make ({@code --faults kill,broker,...}), each a fault of a real deployment. All but
 * {@link #KILL} happen once, spread over the feed; {@code KILL} goes on through it.
 */
enum Fault {
    /** SIGKILL of a random worker every ~10 s, started again 2–4 s later. */
    KILL,
    /** SIGKILL of a random broker, started again 4 s later. */
    BROKER,
    /** SIGKILL of the broker leading a commands partition, started again 4 s later. */
    LEADER,
    /** SIGKILL of the broker coordinating an open remit transaction, started again 4 s later. */
    COORDINATOR,
    /** PostgreSQL stopped and started again 4 s later. */
    POSTGRES,
    /** The PostgreSQL primary killed and its synchronous standby promoted: workers name both hosts. */
    PG_FAILOVER,
    /** SIGSTOP of a worker for 15 s, longer than its 6 s session, then SIGCONT: a zombie wakes up. */
    FREEZE,
    /** The network between the workers and the payments API falls silent (no reset) for the blackhole time. */
    BLACKHOLE_API,
    /** The same between the workers and PostgreSQL. */
    BLACKHOLE_POSTGRES,
    /** The same between every client (workers and the feeding ERP) and the brokers. */
    BLACKHOLE_KAFKA,
    /** Each worker in turn stopped with SIGTERM and started again once the previous one is ready. */
    ROLLING;

    /** Today's run: kills, one broker restart, one PostgreSQL restart. */
    static final String DEFAULT = "kill,broker,postgres";

    /** {@code kill,leader,...}; {@code blackhole} is all three blackholes, {@code all} every fault. */
    static Set<Fault> parse(String names) {
        Set<Fault> faults = EnumSet.noneOf(Fault.class);
        for (String name : names.split(",")) {
            String n = name.strip().toUpperCase(Locale.ROOT).replace('-', '_');
            switch (n) {
                case "" -> {}
                case "ALL" -> faults.addAll(EnumSet.complementOf(EnumSet.of(POSTGRES)));
                case "BLACKHOLE" -> faults.addAll(EnumSet.of(BLACKHOLE_API, BLACKHOLE_POSTGRES, BLACKHOLE_KAFKA));
                default -> faults.add(Fault.valueOf(n));
            }
        }
        if (faults.contains(POSTGRES) && faults.contains(PG_FAILOVER))
            throw new IllegalArgumentException("postgres (a restart) and pg-failover exclude each other");
        return faults;
    }

    String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
