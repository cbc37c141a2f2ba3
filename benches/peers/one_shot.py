"""Time one-shot processes: the whole run of each command, start to exit.

    python one_shot.py ROUNDS LABEL=COMMAND [LABEL=COMMAND ...]

Each COMMAND is split on spaces and run without a shell (its first word
must be a path). All commands must
print the same answer (checked first). Then, after a few warm-up runs,
ROUNDS rounds run every command once each, in turn (so that a busy moment
on the machine hits all of them alike), and the script prints per command
the median, the quartiles and the minimum of the wall-clock times, and a
line `RESULT one_shot/<label> <median nanoseconds>` that run.sh collects.
The statistic compared is the median on every side.
"""

import os
import statistics
import subprocess
import sys
import time


def output_of(argv):
    done = subprocess.run(argv, stdout=subprocess.PIPE, check=True)
    return done.stdout.decode().strip()


def run(argv):
    """Wall-clock nanoseconds from spawning `argv` (output to /dev/null)
    to reaping it. posix_spawn keeps the timer's own overhead small."""
    actions = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter_ns() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("%s failed" % " ".join(argv))
    return elapsed


def main():
    rounds = int(sys.argv[1])
    commands = [arg.split("=", 1) for arg in sys.argv[2:]]
    answers = {label: output_of(cmd.split()) for label, cmd in commands}
    for label, answer in answers.items():
        print("%-20s answer: %s" % (label, answer))
    if len(set(answers.values())) != 1:
        print("the one-shot programs disagree", file=sys.stderr)
        return 1
    for _ in range(3):
        for _, cmd in commands:
            run(cmd.split())
    times = {label: [] for label, _ in commands}
    for _ in range(rounds):
        for label, cmd in commands:
            times[label].append(run(cmd.split()))
    print("%-20s %10s %10s %10s %10s  (ms, %d runs each)" % ("", "median", "q1", "q3", "min", rounds))
    for label, ts in times.items():
        q1, _, q3 = statistics.quantiles(ts, n=4)
        median = statistics.median(ts)
        print("%-20s %10.2f %10.2f %10.2f %10.2f" % (label, median / 1e6, q1 / 1e6, q3 / 1e6, min(ts) / 1e6))
    for label, ts in times.items():
        print("RESULT one_shot/%s %.0f" % (label, statistics.median(ts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
