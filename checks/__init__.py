"""clearance: compliance-as-code checks for AWS estates defined with Pulumi."""

from importlib.metadata import PackageNotFoundError, version


def tool_version() -> str:
    try:
        return version("clearance")
    except PackageNotFoundError:
        return "0.0.0+unknown"


def tune_gc() -> None:
    """Make the cyclic garbage collector run less often in a command-line process.

    Normalizing and evaluating 100,000 assets allocates millions of small objects that live until the process
    ends; with the default thresholds the collector walks the growing heap thousands of times. Measured by
    `make bench`: 100,000 assets normalize in 6.9 s instead of 9.7 s and evaluate in 5.7 s instead of 7.8 s,
    with the same peak memory. Called by the CLI's entry point, never at import time.
    """
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
