"""Running a community: getting in, members and tags, essentials, sub-groups, search (issue 11)."""
