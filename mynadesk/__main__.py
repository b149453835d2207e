from mynadesk.cli import main

main()
