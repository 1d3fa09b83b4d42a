"""Allow ``python -m twc_tui``."""

from twc_tui.cli import main

raise SystemExit(main())
