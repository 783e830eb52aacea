"""`python -m checks`: the `clearance` command, under its own name."""

from checks.cli import main

if __name__ == "__main__":
    main(prog_name="clearance")
