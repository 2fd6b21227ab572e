"""Running peerbot as several processes: each `peerbot run` process, the load balancer
in front of their webhooks, and the local layout that puts them together on one machine
(the same shape as a deployment across machines, shipped for operators in deploy/)."""
