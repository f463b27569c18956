from eligibility.cli import main

raise SystemExit(main())
