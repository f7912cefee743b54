ticket = context["get-ticket"]
result = {"score": weight(ticket.get("severity", "low")) + len(context["tags"].split(","))}
