import sys

from gilcompat.cli import main

sys.exit(main())
