"""Test-wide settings."""

import os

# Every rewrite in the suite (in this process and in the CLI subprocesses it starts) compares
# the spliced output of migrate.codegen with LibCST's own Module.code.
os.environ["FW_MIGRATE_CHECK_SPLICE"] = "1"
