#!/bin/sh
# The billing team's invoice script (run by the order service under `otter span`, which hands it
# TRACEPARENT): its log line joins the order's trace through `otter log`.
order="$1"
"${OTTER_BIN:-otter}" log --severity info --attr "order.id=$order" "invoice rendered for order $order"
echo "invoice-$order.pdf"
