#!/usr/bin/env python3
"""Sample data for the dashboard templates in this folder.

Writes one CSV per template next to this script: sales.csv, inventory.csv, receivables.csv,
subscriptions.csv, profit_loss.csv and funnel.csv. Each spans 2025-01-01 .. 2026-11-30 with
a trend and a seasonal pattern, so every chart of its template has something to show.

Deterministic: the same files on every run (fixed seeds, standard library only).

    python3 examples/templates/gen_samples.py [OUT_DIR]
"""

import csv
import datetime as dt
import math
import os
import random
import sys

START = dt.date(2025, 1, 1)
END = dt.date(2026, 11, 30)
# The day the data was exported: what "overdue" is counted from.
AS_OF = END

# How busy each calendar month is for a small shop (1.0 = an ordinary month).
SHOP_SEASON = {1: 0.78, 2: 0.82, 3: 0.95, 4: 0.98, 5: 1.02, 6: 0.97,
               7: 0.88, 8: 0.86, 9: 1.0, 10: 1.06, 11: 1.38, 12: 1.62}


def months():
    """The first day of every month from START to END."""
    d = START
    while d <= END:
        yield d
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(d):
    nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def month_index(d):
    return (d.year - START.year) * 12 + d.month - START.month


def money(x):
    return f"{x:.2f}"


def write(out_dir, name, header, rows):
    path = os.path.join(out_dir, name)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    size = os.path.getsize(path)
    print(f"{name}: {len(rows)} rows, {size / 1024:.0f} KB")
    assert 300 <= len(rows) <= 3000, name
    assert size < 150 * 1024, name


FIRST = ["Maria", "James", "Aisha", "Chen", "Olivia", "Noah", "Sofia", "Liam", "Emma", "Lucas",
         "Zara", "Mateo", "Hannah", "Ethan", "Priya", "Jonas", "Grace", "Omar", "Ella", "Felix",
         "Nina", "Samuel", "Leah", "Tom", "Ines", "David", "Mia", "Ravi", "Clara", "Ben"]
LAST = ["Lopez", "Smith", "Khan", "Wang", "Brown", "Miller", "Rossi", "Novak", "Garcia",
        "Dubois", "Patel", "Kim", "Schmidt", "Murphy", "Silva", "Okafor", "Jensen", "Cohen",
        "Tanaka", "Walsh"]
COMPANY_A = ["Blue Door", "Harbor", "Maple", "Northwind", "Copper", "Juniper", "Oak Street",
             "Riverside", "Summit", "Lantern", "Granite", "Willow", "Bright", "Cedar",
             "Foxglove", "Ironbridge", "Meadow", "Pioneer", "Redwood", "Silverline"]
COMPANY_B = ["Cafe", "Bakery", "Studio", "Market", "Design", "Builders", "Dental", "Fitness",
             "Print Co", "Hotel", "Books", "Florist", "Logistics", "Labs", "Kitchen"]


def people(rng, n):
    names = set()
    while len(names) < n:
        names.add(f"{rng.choice(FIRST)} {rng.choice(LAST)}")
    return sorted(names)


def companies(rng, n):
    names = set()
    while len(names) < n:
        names.add(f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)}")
    return sorted(names)


# --- sales: order lines of a small coffee roaster's shop -------------------------------------

def sales(out_dir):
    rng = random.Random(20250101)
    categories = {  # price range per unit, cost share, weight in orders, own season
        "Coffee beans": ((14, 32), 0.46, 0.42, {}),
        "Tea": ((9, 24), 0.40, 0.16, {1: 1.3, 2: 1.25, 11: 1.2, 12: 1.1, 6: 0.7, 7: 0.65, 8: 0.7}),
        "Brewing gear": ((30, 120), 0.58, 0.12, {11: 1.6, 12: 1.9}),
        "Accessories": ((8, 40), 0.38, 0.18, {}),
        "Gift sets": ((30, 75), 0.52, 0.10, {11: 2.6, 12: 3.4, 2: 1.4, 5: 1.3}),
    }
    channels = [("Online store", 0.46), ("In store", 0.30), ("Marketplace", 0.14),
                ("Wholesale", 0.10)]
    retail = people(rng, 240)
    rng.shuffle(retail)
    trade = companies(rng, 18)
    # A few loyal customers buy often; most buy once or twice.
    weights = [1.0 / (i + 3) ** 0.9 for i in range(len(retail))]
    rows = []
    order_id = 10000
    for m in months():
        i = month_index(m)
        n_orders = round(52 * (1 + 0.028 * i) * SHOP_SEASON[m.month] * rng.uniform(0.93, 1.07))
        days = (month_end(m) - m).days + 1
        for _ in range(n_orders):
            order_id += 1
            day = m + dt.timedelta(days=rng.randrange(days))
            channel = rng.choices([c for c, _ in channels], [w for _, w in channels])[0]
            customer = (rng.choice(trade) if channel == "Wholesale"
                        else rng.choices(retail, weights)[0])
            lines = 1 if rng.random() < 0.7 else 2
            picked = set()
            for _ in range(lines):
                names = list(categories)
                if channel == "Wholesale":  # cafés and shops restock beans, tea, accessories
                    names = ["Coffee beans", "Tea", "Accessories"]
                w = [categories[c][2] * categories[c][3].get(m.month, 1.0) for c in names]
                cat = rng.choices(names, w)[0]
                if cat in picked:
                    continue
                picked.add(cat)
                (lo, hi), cost_share, _, _ = categories[cat]
                price = rng.uniform(lo, hi) * (1.05 if m.year == 2026 else 1.0)
                qty = rng.choice([1, 1, 1, 2, 2, 3])
                if channel == "Wholesale":
                    qty = rng.randint(6, 14)
                    price *= 0.7
                revenue = round(price * qty, 2)
                cost = round(revenue * cost_share * rng.uniform(0.9, 1.1)
                             * (1.0 if channel != "Wholesale" else 1.25), 2)
                rows.append([day.isoformat(), order_id, customer, cat, channel, qty,
                             money(revenue), money(cost)])
    # Order numbers follow the order dates.
    rows.sort(key=lambda r: (r[0], r[1]))
    renumber = {}
    for r in rows:
        r[1] = renumber.setdefault(r[1], 10001 + len(renumber))
    write(out_dir, "sales.csv",
          ["order_date", "order_id", "customer", "category", "channel", "quantity", "revenue",
           "cost"], rows)


# --- inventory: month-end stock snapshots of 60 items ----------------------------------------

def inventory(out_dir):
    rng = random.Random(20250202)
    catalogue = {
        "Coffee": ["Espresso blend 1 kg", "House blend 500 g", "Colombia 250 g", "Ethiopia 250 g",
                   "Decaf 500 g", "Kenya 250 g", "Brazil 1 kg", "Cold brew pack", "Guatemala 250 g",
                   "Sumatra 250 g", "Espresso blend 250 g", "Costa Rica 250 g", "Peru 500 g",
                   "Seasonal blend 250 g"],
        "Tea": ["English breakfast 100 g", "Earl grey 100 g", "Sencha 100 g", "Chai 200 g",
                "Chamomile 50 g", "Rooibos 100 g", "Jasmine 100 g", "Peppermint 50 g",
                "Matcha 30 g", "Oolong 100 g"],
        "Equipment": ["Pour-over dripper", "Gooseneck kettle", "Hand grinder", "French press 1 l",
                      "Burr grinder", "Moka pot", "Digital scale", "Milk frother",
                      "Espresso machine", "Cold brew maker"],
        "Accessories": ["Paper filters 100", "Travel mug", "Ceramic cup", "Tea infuser",
                        "Coffee canister", "Tamper", "Cleaning tablets", "Milk jug",
                        "Knock box", "Tote bag", "Glass carafe", "Brush set"],
        "Gifts": ["Tasting box", "Gift card pack", "Tea sampler", "Barista kit", "Holiday box",
                  "Mug and beans set", "Advent calendar", "Subscription voucher",
                  "Brewing starter set", "Chocolate pairing box", "Ceramic gift set",
                  "Origins trio", "Tea lover box", "Espresso set"],
    }
    cost_range = {"Coffee": (5, 16), "Tea": (3, 12), "Equipment": (18, 260),
                  "Accessories": (2, 22), "Gifts": (12, 48)}
    demand_range = {"Coffee": (60, 220), "Tea": (25, 90), "Equipment": (4, 30),
                    "Accessories": (20, 110), "Gifts": (6, 40)}
    season = {"Coffee": {1: 0.9, 7: 0.85, 8: 0.85, 11: 1.25, 12: 1.4},
              "Tea": {1: 1.3, 2: 1.2, 6: 0.75, 7: 0.7, 8: 0.75, 11: 1.2, 12: 1.3},
              "Equipment": {11: 1.8, 12: 2.1, 1: 0.7, 7: 0.8},
              "Accessories": {11: 1.3, 12: 1.5},
              "Gifts": {11: 3.0, 12: 4.0, 1: 0.4, 2: 1.2, 5: 1.2, 7: 0.6, 8: 0.6}}
    items = []
    n = 1001
    for cat, names in catalogue.items():
        for name in names:
            cost = round(rng.uniform(*cost_range[cat]), 2)
            demand = rng.uniform(*demand_range[cat])
            growth = rng.uniform(-0.01, 0.035)
            # Reorder when the count is under about three weeks of sales.
            reorder = max(2, round(demand * rng.uniform(0.6, 0.9)))
            items.append(dict(sku=f"SKU-{n}", product=name, category=cat, cost=cost,
                              demand=demand, growth=growth, reorder=reorder,
                              on_hand=round(demand * rng.uniform(1.2, 2.2)),
                              # Some items are reordered late: they run short more often.
                              lazy=rng.random() < 0.3))
            n += 1
    rows = []
    for m in months():
        i = month_index(m)
        for it in items:
            expected = (it["demand"] * (1 + it["growth"]) ** i
                        * season[it["category"]].get(m.month, 1.0))
            wanted = max(0, round(expected * rng.uniform(0.8, 1.2)))
            # Stock received during the month: an order of about two months' sales when the
            # stock would fall under the reorder point, placed in time, except now and then
            # (more often for some items).
            received = 0
            low = it["on_hand"] - wanted < it["reorder"]
            late = rng.random() < (0.4 if it["lazy"] else 0.07)
            if low and not late:
                received = round(expected * rng.uniform(1.6, 2.4))
            available = it["on_hand"] + received
            sold = min(wanted, available)
            it["on_hand"] = available - sold
            # A price rise from the supplier each January.
            if m.month == 1 and i > 0:
                it["cost"] = round(it["cost"] * rng.uniform(1.02, 1.08), 2)
            rows.append([month_end(m).isoformat(), it["sku"], it["product"], it["category"],
                         it["on_hand"], sold, money(it["cost"]), it["reorder"]])
    write(out_dir, "inventory.csv",
          ["snapshot_date", "sku", "product", "category", "on_hand", "units_sold", "unit_cost",
           "reorder_point"], rows)


# --- receivables: invoices of a small B2B supplier -------------------------------------------

def receivables(out_dir):
    rng = random.Random(20250303)
    customers = companies(rng, 45)
    # How each customer pays: typical days after the invoice, and how often it slips badly.
    habits = {}
    for c in customers:
        kind = rng.random()
        if kind < 0.4:
            habits[c] = (rng.uniform(14, 30), 0.01)   # pays on time
        elif kind < 0.75:
            habits[c] = (rng.uniform(32, 55), 0.03)   # a bit late
        else:
            habits[c] = (rng.uniform(60, 100), 0.08)  # slow payer
    size = {c: rng.uniform(0.4, 2.5) for c in customers}
    rows = []
    inv = 5000
    for m in months():
        i = month_index(m)
        n = round(48 * (1 + 0.022 * i) * (0.9 + 0.2 * SHOP_SEASON[m.month] / 1.62)
                  * rng.uniform(0.92, 1.08))
        days = (month_end(m) - m).days + 1
        for _ in range(n):
            inv += 1
            c = rng.choices(customers, [size[x] for x in customers])[0]
            issued = m + dt.timedelta(days=rng.randrange(days))
            if issued > END:
                continue
            amount = round(math.exp(rng.gauss(math.log(900), 0.7)) * size[c] ** 0.5, 2)
            due = issued + dt.timedelta(days=30)
            typical, slip = habits[c]
            # Payments slow down over the holidays.
            late_season = 8 if issued.month in (11, 12) else 0
            delay = max(3, rng.gauss(typical + late_season, 12))
            if rng.random() < slip:
                delay = rng.uniform(100, 400)  # disputed, or a bad debt
            paid_on = issued + dt.timedelta(days=round(delay))
            partly = paid_on > AS_OF and rng.random() < 0.2
            if paid_on <= AS_OF:
                status, balance = "paid", 0.0
                paid_date, days_to_pay = paid_on.isoformat(), (paid_on - issued).days
            else:
                status = "open"
                balance = round(amount * rng.uniform(0.3, 0.7), 2) if partly else amount
                paid_date, days_to_pay = "", ""
            days_overdue = max(0, (AS_OF - due).days) if status == "open" else 0
            rows.append([f"INV-{inv}", issued.isoformat(), c, money(amount), money(balance),
                         status, days_overdue, paid_date, days_to_pay])
    # Invoice numbers follow the invoice dates.
    rows.sort(key=lambda r: (r[1], r[0]))
    for n, r in enumerate(rows):
        r[0] = f"INV-{5001 + n}"
    write(out_dir, "receivables.csv",
          ["invoice_id", "invoice_date", "customer", "amount", "balance", "status",
           "days_overdue", "paid_date", "days_to_pay"], rows)


# --- subscriptions: one row per subscriber per month -----------------------------------------

def subscriptions(out_dir):
    rng = random.Random(20250404)
    plans = {"Starter": 19.0, "Pro": 49.0, "Business": 129.0}
    churn = {"Starter": 0.065, "Pro": 0.035, "Business": 0.02}
    signup_season = {1: 1.35, 2: 1.1, 3: 1.05, 6: 0.85, 7: 0.75, 8: 0.8, 9: 1.2, 10: 1.1,
                     11: 1.15, 12: 0.7}
    active = {}  # customer -> [plan, signup_date, months_active]
    next_id = 1
    rows = []
    for m in months():
        i = month_index(m)
        # New subscribers: a launch burst, then growth with the seasons.
        n_new = round((20 if i == 0 else 8 + 0.6 * i) * signup_season.get(m.month, 1.0)
                      * rng.uniform(0.85, 1.15))
        days = (month_end(m) - m).days + 1
        for _ in range(n_new):
            plan = rng.choices(list(plans), [0.55, 0.35, 0.10])[0]
            signup = m + dt.timedelta(days=rng.randrange(days))
            active[f"C{next_id:04d}"] = [plan, signup, 0]
            next_id += 1
        for cid in sorted(active):
            plan, signup, age = active[cid]
            # Upgrades: some Starter customers move to Pro, some Pro to Business.
            if age >= 2 and plan == "Starter" and rng.random() < 0.03:
                plan = "Pro"
            elif age >= 4 and plan == "Pro" and rng.random() < 0.012:
                plan = "Business"
            # Price rise for every plan from 2026.
            price = plans[plan] * (1.1 if m.year >= 2026 else 1.0)
            # Many leave in their first months; fewer later.
            p = churn[plan] * (1.8 if age < 3 else 1.0) * (1.25 if m.month == 1 else 1.0)
            leaving = age > 0 and rng.random() < p
            status = "churned" if leaving else ("new" if age == 0 else "active")
            rows.append([m.isoformat(), cid, signup.isoformat(), plan, money(price), status])
            if leaving:
                del active[cid]
            else:
                active[cid] = [plan, signup, age + 1]
    write(out_dir, "subscriptions.csv",
          ["billing_month", "customer_id", "signup_date", "plan", "mrr", "status"], rows)


# --- profit & loss: monthly actuals and budget per account -----------------------------------

def profit_loss(out_dir):
    rng = random.Random(20250505)
    # account, type, monthly base, growth per month, seasonal (True: follows the shop's
    # season), how far actuals stray from the budget.
    accounts = [
        ("Product sales", "income", 42000, 0.018, True, 0.08),
        ("Services", "income", 9000, 0.012, False, 0.12),
        ("Wholesale", "income", 7500, 0.025, True, 0.15),
        ("Other income", "income", 600, 0.0, False, 0.5),
        ("Cost of goods sold", "expense", 17500, 0.018, True, 0.07),
        ("Payroll", "expense", 16000, 0.006, False, 0.03),
        ("Rent", "expense", 4200, 0.0, False, 0.0),
        ("Marketing", "expense", 3200, 0.01, True, 0.25),
        ("Software", "expense", 900, 0.012, False, 0.08),
        ("Utilities", "expense", 750, 0.0, False, 0.18),
        ("Shipping", "expense", 2100, 0.015, True, 0.12),
        ("Insurance", "expense", 480, 0.0, False, 0.0),
        ("Professional fees", "expense", 650, 0.0, False, 0.6),
        ("Travel", "expense", 400, 0.0, False, 0.7),
        ("Bank fees", "expense", 310, 0.012, True, 0.1),
    ]
    rows = []
    for m in months():
        i = month_index(m)
        for name, kind, base, growth, seasonal, noise in accounts:
            s = SHOP_SEASON[m.month] if seasonal else 1.0
            if name == "Utilities":
                s = {1: 1.4, 2: 1.3, 12: 1.3, 7: 1.15, 8: 1.15}.get(m.month, 1.0)
            if name == "Rent" and m.year == 2026:
                base = 4200 * 1.04
            budget = base * (1 + growth) ** i * s
            # The budget is set per year, in round numbers.
            budget = round(budget / 50) * 50
            actual = budget * (1 + rng.gauss(0, noise / 2))
            # Sales grew faster than planned in 2026; marketing overspent in the 2025 holidays.
            if kind == "income" and m.year == 2026 and name != "Other income":
                actual *= 1.06
            if name == "Marketing" and m.year == 2025 and m.month in (10, 11):
                actual *= 1.5
            if name == "Payroll" and m.year == 2025 and m.month >= 7:
                actual *= 1.05  # a hire sooner than budgeted
            rows.append([m.isoformat(), kind, name, money(max(0, actual)), money(budget)])
    write(out_dir, "profit_loss.csv", ["period", "type", "account", "actual", "budget"], rows)


# --- funnel: daily website traffic and conversions per channel -------------------------------

def funnel(out_dir):
    rng = random.Random(20250606)
    # visitors a day at the start, growth a day, lead rate, order rate of leads, average
    # order, ad spend per visitor.
    channels = {
        "Organic search": (380, 0.0009, 0.045, 0.22, 62, 0.0),
        "Paid ads": (240, 0.0004, 0.060, 0.24, 66, 0.80),
        "Social media": (300, 0.0007, 0.025, 0.14, 48, 0.30),
        "Email": (90, 0.0006, 0.120, 0.34, 71, 0.05),
    }
    weekday = [1.0, 1.02, 1.0, 0.98, 0.95, 0.9, 1.05]  # Monday .. Sunday
    rows = []
    day = START
    i = 0
    while day <= END:
        s = SHOP_SEASON[day.month] * weekday[day.weekday()]
        # Black Friday to Cyber Monday.
        if day.month == 11 and 24 <= day.day or day.month == 12 and day.day <= 2:
            s *= 1.8
        for name, (base, growth, lead, close, aov, cpv) in channels.items():
            visitors = round(base * (1 + growth) ** i * s * rng.uniform(0.85, 1.15))
            # A site redesign in April 2026 lifts the lead rate; holiday visitors buy more
            # readily.
            lift = 1.12 if day >= dt.date(2026, 4, 1) else 1.0
            leads = round(visitors * lead * lift * rng.uniform(0.8, 1.2))
            orders = round(leads * close * (1.1 if s > 1.2 else 1.0) * rng.uniform(0.75, 1.25))
            revenue = round(orders * aov * rng.uniform(0.85, 1.15), 2)
            spend = round(visitors * cpv * rng.uniform(0.9, 1.1) * (1.2 if s > 1.2 else 1.0), 2)
            rows.append([day.isoformat(), name, visitors, leads, orders, money(revenue),
                         money(spend)])
        day += dt.timedelta(days=1)
        i += 1
    write(out_dir, "funnel.csv",
          ["visit_date", "channel", "visitors", "leads", "orders", "revenue", "ad_spend"], rows)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    sales(out_dir)
    inventory(out_dir)
    receivables(out_dir)
    subscriptions(out_dir)
    profit_loss(out_dir)
    funnel(out_dir)


if __name__ == "__main__":
    main()
