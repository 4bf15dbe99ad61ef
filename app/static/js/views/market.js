// The marketplace: catalogue, master card, request form, master mode, the masters' feed, my requests and orders.
import { catalogue, masterCard, requestForm } from "./market/catalog.js";
import { feed, masterMode } from "./market/master.js";
import { myRequests, requestDetail } from "./market/requests.js";

export const marketRoutes = [
  { path: "/masters", name: "masters", auth: false, render: catalogue },
  { path: "/masters/:id", name: "master", auth: false, render: masterCard },
  { path: "/requests/new", name: "request-new", auth: true, render: requestForm },
  { path: "/requests", name: "requests", auth: true, render: myRequests },
  { path: "/requests/:id", name: "request", auth: true, render: requestDetail },
  { path: "/master", name: "master-mode", auth: true, render: masterMode },
  { path: "/feed", name: "feed", auth: true, render: feed },
];
