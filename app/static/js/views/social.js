// The social network's screens: the home feed, people and their pages, friends, communities.
import { communitiesPage, communityPage } from "./social/communities.js";
import { feedPage } from "./social/feed.js";
import { friendsPage } from "./social/friends.js";
import { directory, personPage } from "./social/people.js";

export const socialRoutes = [
  { path: "/news", name: "news", auth: true, render: feedPage },
  { path: "/people", name: "people", auth: true, render: directory },
  { path: "/people/:id", name: "person", auth: true, render: personPage },
  { path: "/friends", name: "friends", auth: true, render: friendsPage },
  { path: "/communities", name: "communities", auth: true, render: communitiesPage },
  { path: "/communities/:id", name: "community", auth: true, render: communityPage },
];
