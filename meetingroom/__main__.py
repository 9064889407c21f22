from meetingroom.cli import main

main()
