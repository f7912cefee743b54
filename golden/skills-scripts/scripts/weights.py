WEIGHTS = {"low": 1, "medium": 4, "high": 7}


def weight(severity):
    return WEIGHTS.get(severity, 0)
