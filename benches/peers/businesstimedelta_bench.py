"""Time businesstimedelta on the inputs of escalate's calendar benchmarks.

Same inputs as benches/sla.rs and benches/peers/workclock: America/New_York,
Monday to Friday 09:00-17:00, the eleven 2021 US federal holidays.
- add: 8 business hours from Friday 2021-07-02 13:00 (weekend, then the
  Independence Day holiday on Monday 07-05);
- elapsed: 2021-01-04 10:00 to 2022-01-04 10:00.

Prints the answers (to compare with escalate's) and, per operation, a line
`RESULT <name> <nanoseconds per call>` that run.sh collects: the median of
five timeit repeats, the statistic criterion reports for the Rust side.
Run through `bash benches/peers/run.sh`, which sets up the virtualenv.

With `--one-shot` it is instead the one-shot program of escalate's
`examples/calendar_one_shot.rs`: build the rules, add 8 business hours from
Friday 2021-07-02 13:00, print the answer, exit (run.sh times the whole
process).
"""

import datetime
import statistics
import sys
import timeit

import businesstimedelta
import pytz

NY = pytz.timezone("America/New_York")
HOLIDAYS = [
    datetime.date(2021, 1, 1),
    datetime.date(2021, 1, 18),
    datetime.date(2021, 2, 15),
    datetime.date(2021, 5, 31),
    datetime.date(2021, 6, 18),
    datetime.date(2021, 7, 5),
    datetime.date(2021, 9, 6),
    datetime.date(2021, 10, 11),
    datetime.date(2021, 11, 11),
    datetime.date(2021, 11, 25),
    datetime.date(2021, 12, 24),
]

# businesstimedelta's HolidayRule raises TypeError when no listed holiday
# lies in the 5 years after a date it looks at (next_holiday returns None).
# A Saturday just after the measured range keeps it working; the office is
# closed on Saturdays anyway, so no answer changes.
SENTINEL = datetime.date(2022, 1, 8)


def ny(y, m, d, h, mi=0):
    return NY.localize(datetime.datetime(y, m, d, h, mi))


def office():
    workday = businesstimedelta.WorkDayRule(
        start_time=datetime.time(9),
        end_time=datetime.time(17),
        working_days=[0, 1, 2, 3, 4],
        tz=NY,
    )
    holidays = businesstimedelta.HolidayRule(HOLIDAYS + [SENTINEL], tz=NY)
    return businesstimedelta.Rules([workday, holidays])


def show(t):
    return t.astimezone(NY).strftime("%Y-%m-%d %H:%M %Z")


def one_shot():
    rules = office()
    eight = businesstimedelta.BusinessTimeDelta(rules, hours=8)
    print(show(ny(2021, 7, 2, 13) + eight))
    return 0


def main():
    if sys.argv[1:] == ["--one-shot"]:
        return one_shot()
    rules = office()
    eight = businesstimedelta.BusinessTimeDelta(rules, hours=8)
    one = businesstimedelta.BusinessTimeDelta(rules, hours=1)
    fri = ny(2021, 7, 2, 13)
    start, end = ny(2021, 1, 4, 10), ny(2022, 1, 4, 10)

    print("answers (America/New_York, Mon-Fri 09-17, 2021 US holidays)")
    print("add 8h from Fri 2021-07-02 13:00             businesstimedelta", show(fri + eight))
    diff = rules.difference(start, end).timedelta
    print("elapsed 2021-01-04 10:00 .. 2022-01-04 10:00 businesstimedelta %ds" % diff.total_seconds())
    print("add 1h from Mon 16:00 (runs out at closing)  businesstimedelta", show(ny(2021, 6, 21, 16) + one))
    back = rules.difference(end, start).timedelta
    print("elapsed backwards (to < from)                businesstimedelta %ds" % back.total_seconds())
    print()

    cases = [
        ("add_8h_weekend_holiday", lambda: fri + eight),
        ("elapsed_one_year", lambda: rules.difference(start, end)),
        ("build", office),
        ("build_then_add_8h", lambda: fri + businesstimedelta.BusinessTimeDelta(office(), hours=8)),
    ]
    for name, fn in cases:
        timer = timeit.Timer(fn)
        number, _ = timer.autorange()  # enough calls for >= 0.2 s
        median = statistics.median(timer.repeat(repeat=5, number=number)) / number
        print("RESULT businesstimedelta/%s %.0f" % (name, median * 1e9))
    return 0


if __name__ == "__main__":
    sys.exit(main())
