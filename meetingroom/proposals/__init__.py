"""Step 2 (班子成员提议): the members' inbox, sponsoring, co-sponsoring and declining."""
