from sozial_dwh.cli import main

raise SystemExit(main())
