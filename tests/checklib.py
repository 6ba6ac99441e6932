"""What the CLI check scripts share (cli_checks.py, optimize_check.py, report_check.py): a
list of failed checks, each printed as it fails, and running the tinyrt CLI."""
import subprocess


class Checks:
    def __init__(self, tinyrt):
        self.tinyrt = tinyrt
        self.failures = []

    def expect(self, cond, what):
        if not cond:
            self.failures.append(what)
            print("FAIL:", what)
        return cond

    def run(self, *args, ok=True, timeout=300):
        """tinyrt with args; with ok, a non-zero exit ends the script (what follows needs it)."""
        p = subprocess.run([self.tinyrt, *args], capture_output=True, text=True, timeout=timeout)
        if ok and p.returncode != 0:
            print(p.stdout, p.stderr)
            raise SystemExit(f"tinyrt {' '.join(args)} exited {p.returncode}")
        return p
