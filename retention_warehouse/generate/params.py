"""Generating parameters: every constant the generator draws from, in one place.

Time unit of all rates is the day. Money in the catalogue is in the reporting currency (USD).
``parameters.json`` in the ground truth is written from these values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

REPORTING_CURRENCY = "USD"
TIME_UNIT = "day"


# --- acquisition channels and their latent purchase/dropout populations -------------------------------------
@dataclass(frozen=True)
class Channel:
    name: str
    signup_share: float      # share of signups at the start of the period
    trend: float             # log-share change over the whole period (growing/shrinking channels)
    prospect_share: float    # share of signups that never purchase
    r: float                 # purchase rate lambda ~ Gamma(shape r, rate alpha), per day
    alpha: float
    a: float                 # dropout probability after each purchase p ~ Beta(a, b)
    b: float


CHANNELS: tuple[Channel, ...] = (
    Channel("organic", 0.32, 0.0, 0.30, r=0.55, alpha=35.0, a=0.9, b=3.2),
    Channel("paid_search", 0.24, 0.2, 0.38, r=0.45, alpha=35.0, a=1.1, b=2.6),
    Channel("social", 0.14, 0.6, 0.46, r=0.35, alpha=35.0, a=1.4, b=2.2),
    Channel("referral", 0.10, 0.0, 0.22, r=0.75, alpha=38.0, a=0.8, b=3.6),
    Channel("email", 0.10, -0.2, 0.30, r=0.60, alpha=35.0, a=0.9, b=3.0),
    Channel("affiliate", 0.10, 0.1, 0.50, r=0.40, alpha=38.0, a=1.5, b=2.0),
)
CHANNEL_NAMES = tuple(c.name for c in CHANNELS)

# single_population=True: one BG/NBD population for everybody, the published CDNOW estimates
# (r 0.243, alpha 4.414 per week, a 0.793, b 2.426) with alpha converted to days.
SINGLE_POPULATION = {"r": 0.243, "alpha": 4.414 * 7.0, "a": 0.793, "b": 2.426}

LAMBDA_CAP = 1.0  # purchases per day; a Gamma draw above this is capped (probability ~1e-6 with these shapes)

# --- countries: ISO-2, signup weight, order currency, UTC offset (hours, no DST), tax rate, share of iOS in app
@dataclass(frozen=True)
class Country:
    code: str | None
    weight: float
    currency: str
    utc_offset: float
    tax_rate: float
    ios_share: float
    app_share: float         # share of customers whose primary device is the app


COUNTRIES: tuple[Country, ...] = (
    Country("US", 0.28, "USD", -5, 0.07, 0.58, 0.40),
    Country("GB", 0.09, "GBP", 0, 0.20, 0.52, 0.40),
    Country("DE", 0.08, "EUR", 1, 0.19, 0.40, 0.35),
    Country("FR", 0.06, "EUR", 1, 0.20, 0.45, 0.35),
    Country("ES", 0.03, "EUR", 1, 0.21, 0.30, 0.40),
    Country("IT", 0.03, "EUR", 1, 0.22, 0.33, 0.40),
    Country("NL", 0.02, "EUR", 1, 0.21, 0.45, 0.35),
    Country("CN", 0.10, "CNY", 8, 0.13, 0.25, 0.70),
    Country("JP", 0.06, "JPY", 9, 0.10, 0.68, 0.55),
    Country("BR", 0.06, "BRL", -3, 0.17, 0.15, 0.50),
    Country("CA", 0.05, "CAD", -5, 0.13, 0.55, 0.40),
    Country("AU", 0.04, "AUD", 10, 0.10, 0.55, 0.45),
    Country("IN", 0.04, "USD", 5.5, 0.18, 0.05, 0.60),
    Country("MX", 0.02, "USD", -6, 0.16, 0.20, 0.45),
    Country("KR", 0.02, "USD", 9, 0.10, 0.30, 0.65),
    Country(None, 0.02, "USD", -5, 0.00, 0.50, 0.40),   # unknown country: reporting currency
)

# USD per unit of currency at the start of the period; a mean-reverting random walk on the log around it
CURRENCIES: dict[str, float] = {
    "USD": 1.0, "EUR": 1.085, "GBP": 1.265, "JPY": 0.0068, "CNY": 0.139, "BRL": 0.201, "CAD": 0.741, "AUD": 0.662,
}
FX_DAILY_VOL = 0.0045
FX_MEAN_REVERSION = 0.01
ZERO_DECIMAL_CURRENCIES = ("JPY",)  # prices and amounts are whole units

# --- product catalogue ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Category:
    name: str
    popularity: float
    median_price: float      # USD
    price_sigma: float
    nouns: tuple[str, ...]
    queries: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category("electronics", 0.13, 89.0, 0.9, ("Headphones", "Earbuds", "Charger", "Speaker", "Smartwatch", "Keyboard",
             "Mouse", "Power Bank", "Webcam", "Tablet Stand"), ("wireless earbuds", "usb c charger", "bluetooth speaker",
             "smart watch", "gaming mouse", "noise cancelling headphones")),
    Category("fashion", 0.14, 39.0, 0.6, ("T-Shirt", "Dress", "Jeans", "Hoodie", "Jacket", "Skirt", "Sweater", "Scarf",
             "Blouse", "Shorts"), ("red dress", "black jeans", "oversized hoodie", "summer dress", "denim jacket",
             "wool sweater")),
    Category("shoes", 0.08, 69.0, 0.5, ("Sneakers", "Running Shoes", "Boots", "Sandals", "Loafers", "Slippers"),
             ("red shoes", "running shoes", "white sneakers", "leather boots", "kids sandals")),
    Category("home_kitchen", 0.11, 34.0, 0.8, ("Frying Pan", "Knife Set", "Mug", "Cutting Board", "Blender", "Towel Set",
             "Storage Box", "Lamp", "Cushion", "Kettle"), ("non stick pan", "coffee mug", "desk lamp", "kitchen knife",
             "storage boxes")),
    Category("beauty", 0.10, 24.0, 0.6, ("Face Cream", "Serum", "Lipstick", "Shampoo", "Sunscreen", "Perfume",
             "Face Mask", "Nail Polish"), ("vitamin c serum", "sunscreen spf 50", "red lipstick", "hair oil",
             "perfume")),
    Category("sports_outdoors", 0.07, 45.0, 0.8, ("Yoga Mat", "Water Bottle", "Dumbbells", "Tent", "Backpack",
             "Cycling Gloves", "Jump Rope"), ("yoga mat", "camping tent", "hiking backpack", "water bottle",
             "dumbbell set")),
    Category("books", 0.07, 16.0, 0.4, ("Novel", "Cookbook", "Biography", "Comic", "Travel Guide", "Notebook"),
             ("mystery novel", "cookbook", "manga", "travel guide", "bestseller")),
    Category("toys_games", 0.06, 29.0, 0.7, ("Puzzle", "Board Game", "Building Set", "Plush Toy", "RC Car", "Doll"),
             ("board game", "lego set", "jigsaw puzzle", "plush toy", "rc car")),
    Category("grocery", 0.08, 9.0, 0.5, ("Coffee Beans", "Green Tea", "Olive Oil", "Granola", "Dark Chocolate",
             "Hot Sauce", "Pasta"), ("coffee beans", "green tea", "olive oil", "protein bar", "dark chocolate")),
    Category("health", 0.06, 22.0, 0.6, ("Vitamins", "Protein Powder", "First Aid Kit", "Thermometer",
             "Massage Gun"), ("vitamin d", "protein powder", "massage gun", "first aid kit")),
    Category("pet_supplies", 0.05, 27.0, 0.7, ("Dog Food", "Cat Litter", "Pet Bed", "Leash", "Scratching Post",
             "Pet Toy"), ("dog food", "cat litter", "dog bed", "cat toy")),
    Category("jewelry", 0.05, 79.0, 0.9, ("Necklace", "Ring", "Earrings", "Bracelet", "Watch"),
             ("silver necklace", "gold ring", "pearl earrings", "mens watch")),
)
CATEGORY_NAMES = tuple(c.name for c in CATEGORIES)
PRODUCTS = 500
PRODUCT_ADJECTIVES = ("Classic", "Premium", "Eco", "Compact", "Deluxe", "Essential", "Urban", "Vintage", "Pro",
                      "Lite", "Smart", "Organic", "Everyday", "Signature", "Sport", "Cozy")
PRICE_BANDS = ("budget", "mid", "premium")
PRICE_BAND_SHARES = (0.35, 0.45, 0.20)
PRICE_BAND_LOYALTY = 0.7          # share of picks inside the customer's band (the rest from any band)
CATEGORY_CONCENTRATION = 2.5      # Dirichlet(concentration * popularity): small = few favourite categories

# --- seasonality ----------------------------------------------------------------------------------------------
# local hour of day (0..23) relative intensity of shopping activity
HOUR_PROFILE = (0.25, 0.15, 0.10, 0.08, 0.08, 0.12, 0.30, 0.55, 0.80, 0.95, 1.05, 1.15,
                1.30, 1.20, 1.05, 1.00, 1.05, 1.15, 1.35, 1.60, 1.75, 1.70, 1.35, 0.75)
WEEKDAY_PROFILE = (1.04, 0.98, 0.97, 0.96, 0.92, 1.02, 1.14)          # Monday .. Sunday, activity
SIGNUP_WEEKDAY_PROFILE = (0.95, 0.93, 0.93, 0.95, 0.98, 1.12, 1.16)   # weekends bring more signups
SIGNUP_GROWTH_PER_YEAR = 1.0      # log growth of the daily signup rate per 365 days (~2.7x a year)
SIGNUP_DAILY_NOISE = 0.12         # lognormal day-to-day noise of the signup rate

# --- customer habits --------------------------------------------------------------------------------------------
SECOND_DEVICE_SHARE = 0.55        # app-first customers who also use the web
APP_EARLY_ADOPTION = 0.12         # web-first customers who install the app within 7 days of signup
APP_LATE_ADOPTION = 0.15          # ... or later (exponential, mean 60 days)
SECONDARY_DEVICE_USE = 0.25       # share of sessions on the second device once it exists
COUPON_PROPENSITY = (1.2, 4.0)    # Beta: chance that an order uses a coupon
REVIEW_PROPENSITY = (0.8, 3.0)    # Beta: chance that a delivered order gets a review
SEARCH_PROPENSITY = (1.5, 2.0)    # Beta: chance that a session contains searches
HABIT_THRESHOLDS = {"coupon_habit": 0.35, "review_habit": 0.30, "search_habit": 0.50}
NEWSLETTER_OPT_IN = 0.70
NEWSLETTER_UNSUBSCRIBE_MEAN_DAYS = 400.0
SMS_OPT_IN = 0.25

# --- the latent purchase process (non single-population) ---------------------------------------------------------
IMMEDIATE_FIRST_PURCHASE = 0.45   # buyers whose first purchase is in the signup session
FIRST_PURCHASE_DELAY = (2.5, 1.3)  # lognormal (log-median days, sigma) of the delay of the other buyers
PROSPECT_BROWSE_DAYS = 5.0        # prospects browse for an exponential period with this mean, then leave
WIND_DOWN_DAYS = 10.0             # after the last purchase a dropping customer stays this long (exp. mean)
BROWSE_RATE_BASE = 0.002          # browse sessions per day while alive = base + slope * lambda
BROWSE_RATE_SLOPE = 3.0
BROWSE_RATE_CAP = 1.5
PROSPECT_BROWSE_RATE = 0.08
PRE_SIGNUP_SHARE = 0.35           # customers with anonymous visits in the 3 weeks before signup
RESEARCH_SESSIONS = 0.8           # browse sessions about a product in the days before buying it (Poisson mean)
RESEARCH_DAYS = 2.0               # ... exponential lead time (mean days) before the order

# Early behaviours multiply the dropout probability p (p_eff = min(p * product, P_MAX)); disabled with
# single_population so that p ~ Beta(a, b) exactly.
P_MAX = 0.95
EARLY_EFFECTS: dict[str, dict] = {
    "early_review": {"dropout_multiplier": 0.55,
                     "definition": "submitted a review of the first order within 7 days of its delivery"},
    "early_app": {"dropout_multiplier": 0.75,
                  "definition": "used the app (an app session) within 7 days of signup"},
    "early_coupon": {"dropout_multiplier": 0.80,
                     "definition": "first order placed within 7 days of signup with a coupon"},
    "slow_first_delivery": {"dropout_multiplier": 1.60,
                            "definition": "first order delivered 7 or more calendar days after the order day"},
    "first_order_refunded": {"dropout_multiplier": 2.00,
                             "definition": "first order refunded or partially refunded (damaged or returned)"},
}

# --- orders -------------------------------------------------------------------------------------------------------
ITEMS_PER_ORDER = (0.55, 0.25, 0.13, 0.07)          # 1..4 lines
QUANTITY = (0.82, 0.13, 0.05)                       # 1..3 units
UNIT_PRICE_NOISE = 0.015
FREE_SHIPPING_OVER_USD = 49.0
SHIPPING_FEE_USD = 5.99
COUPONS = (("WELCOME10", 0.10), ("SAVE15", 0.15), ("VIP20", 0.20), ("SPRING10", 0.10), ("BLACKFRIDAY25", 0.25),
           ("XMAS20", 0.20))
DAMAGED_SHARE = 0.03               # damaged parcels: refund (70% full, 30% partial)
RETURN_SHARE = 0.03                # returns: partial refund
SLOW_DELIVERY_SHARE = 0.12         # slow tail: delivered 7..14 days after ordering
PENDING_PAYMENT_SHARE = 0.03       # paid 1..3 days after ordering instead of within minutes
CANCELLED_EXTRA_SHARE = 0.05       # an extra, cancelled order before a purchase ("ordered, cancelled, re-ordered")
CANCELLED_WITHOUT_TIMESTAMP = 0.05  # of the cancelled orders: status cancelled, cancelled_at NULL
APP_TRACKING_SESSION = 0.15        # share of orders whose delivery the customer tracks in a session

# --- events --------------------------------------------------------------------------------------------------------
CUSTOMER_EVENT_TYPES = ("page_view", "product_view", "search", "add_to_cart", "checkout_started", "coupon_applied",
                        "order_completed", "app_open", "login", "signup", "review_submitted")
SYSTEM_EVENT_TYPES = ("email_sent", "email_opened", "email_clicked", "push_sent", "sms_sent")
EVENT_TYPES = CUSTOMER_EVENT_TYPES + SYSTEM_EVENT_TYPES
ANONYMOUS_VISITORS_PER_CUSTOMER = 0.5
PUSH_RATE = 0.08                   # promo pushes per day to app users
NEWSLETTER_WEEKDAY = 3             # Thursday
NEWSLETTER_HOUR = 15

# --- experiments ------------------------------------------------------------------------------------------------
EXPERIMENTS: tuple[dict, ...] = (
    {
        "experiment_id": "exp_onboarding_coupon",
        "variants": ["control", "treatment"],
        "kind": "retention",
        "declared_lift": {"within_30d_retention": 0.08},
        "window_days": [7, -45],       # signups from start+7d to end-45d are assigned at signup
        "description": "Treatment customers get an onboarding coupon e-mail; it brings back a share of the "
                       "customers who would otherwise not return on days 1..30 after the assignment day.",
    },
    {
        "experiment_id": "exp_aa_check",
        "variants": ["control", "treatment"],
        "kind": "aa",
        "declared_lift": {"within_30d_retention": 0.0},
        "window_days": [0.25, -40],    # a fraction < 1 means a share of the period
        "description": "A/A test: both variants get the same experience.",
    },
)


def channel_dicts() -> dict[str, dict]:
    return {c.name: asdict(c) for c in CHANNELS}
