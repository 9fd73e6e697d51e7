"""``python -m jinfer``: the jinfer command line."""

from ._cli import main

raise SystemExit(main())
