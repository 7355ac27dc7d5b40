from nexus_tui.cli import main

raise SystemExit(main())
