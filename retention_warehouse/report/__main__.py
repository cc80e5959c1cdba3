import sys

from retention_warehouse.report.cli import main

sys.exit(main())
