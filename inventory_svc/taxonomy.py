# ruff: noqa: E501  (a data table reads best with one part type per entry)
"""The parts taxonomy, brands and vehicle filter the catalog seed is generated from.

Vehicles: `data/vehicles/year_make_model.csv` lists cars, light and heavy trucks, buses,
motorcycles, ATVs and snowmobiles. A parts catalog for cars keeps:

* makes on `CAR_MAKES` (car and light-truck brands sold in North America); motorcycle,
  powersport, bus, RV and heavy-truck makes (HARLEY DAVIDSON, POLARIS, KENWORTH, BLUE BIRD,
  KAWASAKI, YAMAHA, ...) are simply not on it;
* for makes that also build motorcycles or ATVs, only their car models: an explicit list for
  HONDA and SUZUKI, and for BMW the car naming scheme (`328I`, `X5`, `Z4`, `M3`, `I3`, ...),
  which motorcycle names (`R1200GS`, `K1600GT`, `F800GS`, `S1000RR`, ...) never match;
* no medium- or heavy-duty chassis of the remaining makes (Kodiak, TopKick, Isuzu N/F series,
  F-650, E-450 cutaways, Ram 4500/5500, ...), matched by `HEAVY_MODEL`.
"""

from __future__ import annotations

import re

CAR_MAKES = frozenset(
    {
        "ACURA", "ALFA ROMEO", "AUDI", "BMW", "BUICK", "CADILLAC", "CHEVROLET", "CHRYSLER", "DAEWOO",
        "DODGE", "FIAT", "FORD", "GMC", "HONDA", "HUMMER", "HYUNDAI", "INFINITI", "ISUZU", "JAGUAR",
        "JEEP", "KIA", "LAND ROVER", "LEXUS", "LINCOLN", "MAZDA", "MERCEDES-BENZ", "MERCURY", "MINI",
        "MITSUBISHI", "NISSAN", "OLDSMOBILE", "PLYMOUTH", "PONTIAC", "PORSCHE", "RAM", "SAAB",
        "SATURN", "SCION", "SMART", "SUBARU", "SUZUKI", "TESLA", "TOYOTA", "VOLKSWAGEN", "VOLVO",
    }
)  # fmt: skip

CAR_MODELS = {
    "HONDA": frozenset(
        {
            "ACCORD", "ACCORD CROSSTOUR", "CITY", "CIVIC", "CR-V", "CR-Z", "CROSSTOUR", "ELEMENT", "FIT",
            "INSIGHT", "ODYSSEY", "PASSPORT", "PILOT", "PRELUDE", "RIDGELINE", "S2000",
        }
    ),
    "SUZUKI": frozenset(
        {
            "AERIO", "EQUATOR", "ESTEEM", "FORENZA", "GRAND VITARA", "KIZASHI", "RENO", "SWIFT", "SWIFT+",
            "SX4", "SX4 CROSSOVER", "VERONA", "VITARA", "XL-7",
        }
    ),
}  # fmt: skip
CAR_MODEL_PATTERN = {"BMW": re.compile(r"^(\d{3}|[MXZI]\d|1 SERIES|ALPINA|ACTIVEHYBRID)")}

HEAVY_MODEL = re.compile(
    r"KODIAK|TOPKICK|TILTMASTER|FORWARD|^T[67]500$|^B7$|^C[4-8]500|^W[345]500|^F[567][05]0$|^F53$|^LCF$"
    r"|^[PG]30$|^[EF]-[45]50|^E SUPER DUTY|^RAM [45]500|^[45]500$|^N[PQR]R|^F[RSTVX]R$|^H[TV]R$"
)


def is_car(make: str, model: str) -> bool:
    """Return whether a year/make/model row is a car or light truck the catalog serves."""
    if make not in CAR_MAKES or HEAVY_MODEL.search(model):
        return False
    if make in CAR_MODELS:
        return model in CAR_MODELS[make]
    if make in CAR_MODEL_PATTERN:
        return CAR_MODEL_PATTERN[make].match(model) is not None
    return True


class PartType:
    """One kind of part: how it is named, priced and described, and how widely it fits."""

    def __init__(
        self,
        code: str,
        name: str,
        *,
        price: tuple[int, int],
        brands: tuple[str, ...],
        lines: tuple[str, ...],
        positions: tuple[str, ...] = (),
        specs: dict[str, tuple[str, ...]] | None = None,
        weight_kg: tuple[float, float] = (0.2, 3.0),
        vehicles: tuple[int, int] = (2, 6),
    ) -> None:
        self.code = code
        self.name = name
        self.price = price
        self.brands = brands
        self.lines = lines
        self.positions = positions
        self.specs = specs or {}
        self.weight_kg = weight_kg
        self.vehicles = vehicles


FRONT_REAR = ("Front", "Rear")
FOUR_CORNERS = ("Front Left", "Front Right", "Rear Left", "Rear Right")

CATEGORIES: dict[str, tuple[str, tuple[PartType, ...]]] = {
    "Brakes": ("BRK", (
        PartType("PAD", "Disc Brake Pad Set", price=(2499, 8999), brands=("Wagner", "Akebono", "Bosch", "Raybestos", "ACDelco", "Brembo"),
                 lines=("ThermoQuiet", "ProACT", "QuietCast", "Element3", "Advantage", "Premium"), positions=FRONT_REAR,
                 specs={"material": ("Ceramic", "Semi-Metallic", "Organic")}, weight_kg=(0.8, 2.5)),
        PartType("ROT", "Disc Brake Rotor", price=(3499, 14999), brands=("Brembo", "Raybestos", "Centric", "ACDelco", "Bosch"),
                 lines=("UV Coated", "R-Line", "Premium", "Professional", "QuietCast"), positions=FRONT_REAR,
                 specs={"diameter_mm": ("262", "280", "296", "300", "320", "345")}, weight_kg=(5.0, 14.0)),
        PartType("CAL", "Disc Brake Caliper", price=(4999, 19999), brands=("Cardone", "Raybestos", "ACDelco", "Centric"),
                 lines=("Select", "Element3", "Professional", "Posi-Quiet"), positions=FOUR_CORNERS, weight_kg=(2.5, 6.0)),
        PartType("SHO", "Drum Brake Shoe Set", price=(1999, 5999), brands=("Wagner", "Raybestos", "Bendix", "ACDelco"),
                 lines=("QuickStop", "Element3", "Premium", "Advantage"), positions=("Rear",), weight_kg=(1.0, 2.5)),
        PartType("HOS", "Brake Hydraulic Hose", price=(999, 3499), brands=("Centric", "Dorman", "ACDelco", "Raybestos"),
                 lines=("Professional", "OE Solutions", "Element3"), positions=FOUR_CORNERS, weight_kg=(0.1, 0.4)),
    )),
    "Filtration": ("FIL", (
        PartType("OIL", "Engine Oil Filter", price=(499, 1799), brands=("Mobil 1", "K&N", "Fram", "Wix", "Bosch", "Purolator"),
                 lines=("Extended Performance", "Ultra Synergy", "Tough Guard", "XP", "Premium", "PureOne"),
                 specs={"thread": ("M20x1.5", "3/4-16 UNF", "M22x1.5", "Cartridge")}, weight_kg=(0.2, 0.6), vehicles=(4, 10)),
        PartType("AIR", "Engine Air Filter", price=(999, 3999), brands=("K&N", "Fram", "Wix", "Purolator", "Bosch"),
                 lines=("High-Flow", "Extra Guard", "XP", "PurolatorONE", "Workshop"), weight_kg=(0.2, 0.8), vehicles=(2, 6)),
        PartType("CAB", "Cabin Air Filter", price=(1299, 3499), brands=("Fram", "Bosch", "Wix", "Purolator", "Denso"),
                 lines=("Fresh Breeze", "HEPA", "BreatheEASY", "Activated Carbon"), weight_kg=(0.1, 0.4), vehicles=(3, 8)),
        PartType("FUE", "Fuel Filter", price=(1499, 5999), brands=("Wix", "Bosch", "Fram", "Denso", "ACDelco"),
                 lines=("Premium", "Professional", "OE Replacement"), weight_kg=(0.2, 0.9)),
    )),
    "Ignition": ("IGN", (
        PartType("PLG", "Spark Plug", price=(399, 1899), brands=("NGK", "Denso", "Bosch", "Champion", "ACDelco", "Autolite"),
                 lines=("Iridium IX", "Laser Iridium", "Double Platinum", "Iridium Power", "Professional", "Iridium XP"),
                 specs={"gap_mm": ("0.8", "1.0", "1.1", "1.3"), "electrode": ("Iridium", "Platinum", "Copper")},
                 weight_kg=(0.04, 0.08), vehicles=(4, 10)),
        PartType("COI", "Ignition Coil", price=(2999, 9999), brands=("Denso", "Bosch", "Delphi", "Standard Motor Products", "ACDelco"),
                 lines=("OE Quality", "Professional", "Intermotor", "Blue Streak"), weight_kg=(0.2, 0.6)),
        PartType("WIR", "Spark Plug Wire Set", price=(2499, 8999), brands=("NGK", "Standard Motor Products", "ACDelco", "Bosch"),
                 lines=("Premium", "Pro Series", "Professional"), weight_kg=(0.3, 0.8)),
        PartType("SEN", "Crankshaft Position Sensor", price=(1999, 6999), brands=("Denso", "Delphi", "Bosch", "Standard Motor Products"),
                 lines=("OE Quality", "Professional", "Intermotor"), weight_kg=(0.05, 0.2)),
    )),
    "Suspension": ("SUS", (
        PartType("STR", "Strut Assembly", price=(7999, 24999), brands=("Monroe", "KYB", "Bilstein", "Gabriel"),
                 lines=("Quick-Strut", "Strut-Plus", "B4 OE Replacement", "Ultra"), positions=FOUR_CORNERS, weight_kg=(4.0, 9.0)),
        PartType("SHK", "Shock Absorber", price=(2999, 12999), brands=("Monroe", "KYB", "Bilstein", "Gabriel"),
                 lines=("OESpectrum", "Excel-G", "5100 Series", "Ultra", "Gas-Matic"), positions=FRONT_REAR, weight_kg=(1.5, 4.0)),
        PartType("CTL", "Control Arm", price=(3999, 15999), brands=("Moog", "Mevotech", "TRW", "Dorman", "ACDelco"),
                 lines=("R-Series", "Supreme", "Problem Solver", "Professional"), positions=("Front Lower Left", "Front Lower Right", "Front Upper Left", "Front Upper Right"),
                 weight_kg=(1.5, 5.0)),
        PartType("BJT", "Ball Joint", price=(1999, 6999), brands=("Moog", "Mevotech", "TRW", "ACDelco"),
                 lines=("Problem Solver", "Supreme", "Professional"), positions=("Front Lower", "Front Upper"), weight_kg=(0.3, 1.0)),
        PartType("SWY", "Sway Bar Link", price=(1299, 4999), brands=("Moog", "Mevotech", "TRW", "Dorman"),
                 lines=("R-Series", "Supreme", "Premium"), positions=FRONT_REAR, weight_kg=(0.2, 0.8)),
    )),
    "Steering": ("STE", (
        PartType("TRE", "Tie Rod End", price=(1499, 5999), brands=("Moog", "Mevotech", "TRW", "ACDelco"),
                 lines=("Problem Solver", "Supreme", "Professional"), positions=("Inner Left", "Inner Right", "Outer Left", "Outer Right"),
                 weight_kg=(0.3, 1.0)),
        PartType("RAC", "Rack and Pinion Assembly", price=(12999, 44999), brands=("Cardone", "Maval", "ACDelco"),
                 lines=("Select", "Remanufactured", "Professional"), weight_kg=(8.0, 18.0)),
        PartType("PMP", "Power Steering Pump", price=(6999, 24999), brands=("Cardone", "ACDelco", "Atlantic"),
                 lines=("Select", "Remanufactured", "New"), weight_kg=(2.5, 5.0)),
    )),
    "Cooling": ("COO", (
        PartType("RAD", "Radiator", price=(8999, 34999), brands=("Denso", "Spectra Premium", "TYC", "ACDelco", "Valeo"),
                 lines=("OE Replacement", "Complete Cooling", "Professional"), specs={"core": ("Aluminum", "Copper-Brass")},
                 weight_kg=(4.0, 12.0)),
        PartType("WPU", "Water Pump", price=(3499, 15999), brands=("Gates", "Aisin", "ACDelco", "Airtex"),
                 lines=("OE Quality", "Professional", "Premium"), weight_kg=(1.0, 4.0)),
        PartType("THM", "Engine Coolant Thermostat", price=(999, 4999), brands=("Gates", "Stant", "Motorad", "ACDelco"),
                 lines=("OE Type", "SuperStat", "Fail-Safe"), specs={"opening_temp_c": ("82", "88", "92", "95")},
                 weight_kg=(0.1, 0.5)),
        PartType("HOS", "Radiator Hose", price=(1299, 4999), brands=("Gates", "Dayco", "ACDelco", "Continental"),
                 lines=("Molded", "Curved", "Professional"), positions=("Upper", "Lower"), weight_kg=(0.3, 1.2)),
        PartType("FAN", "Engine Cooling Fan Assembly", price=(7999, 29999), brands=("Dorman", "TYC", "Four Seasons", "Spectra Premium"),
                 lines=("OE Solutions", "Premium", "Direct Fit"), weight_kg=(2.0, 6.0)),
    )),
    "Electrical": ("ELE", (
        PartType("BAT", "Automotive Battery", price=(9999, 29999), brands=("Interstate", "Optima", "Bosch", "ACDelco", "Exide"),
                 lines=("MTX AGM", "RedTop", "S6 AGM", "Professional Gold", "Edge"),
                 specs={"group_size": ("24F", "35", "48", "51R", "65", "H6", "H7"), "cca": ("550", "650", "720", "800")},
                 weight_kg=(14.0, 25.0), vehicles=(4, 10)),
        PartType("ALT", "Alternator", price=(12999, 39999), brands=("Bosch", "Denso", "ACDelco", "Remy", "Valeo"),
                 lines=("Remanufactured", "New", "Professional", "OE Quality"), specs={"amperage": ("105A", "130A", "150A", "180A")},
                 weight_kg=(5.0, 8.0)),
        PartType("STA", "Starter Motor", price=(9999, 32999), brands=("Bosch", "Denso", "ACDelco", "Remy"),
                 lines=("Remanufactured", "New", "Professional"), weight_kg=(3.0, 7.0)),
        PartType("O2S", "Oxygen Sensor", price=(2999, 11999), brands=("Bosch", "Denso", "NGK", "Delphi"),
                 lines=("OE Fitment", "Premium", "NTK", "Professional"), positions=("Upstream", "Downstream"), weight_kg=(0.1, 0.3)),
    )),
    "Lighting": ("LIG", (
        PartType("HLB", "Headlight Bulb", price=(999, 5999), brands=("Sylvania", "Philips", "Osram", "GE"),
                 lines=("SilverStar Ultra", "CrystalVision", "Night Breaker", "Nighthawk", "Standard"),
                 specs={"bulb": ("H11", "H7", "9005", "9006", "H4", "D3S")}, weight_kg=(0.02, 0.1), vehicles=(5, 12)),
        PartType("HLA", "Headlight Assembly", price=(7999, 49999), brands=("TYC", "Depo", "Dorman", "Valeo"),
                 lines=("CAPA Certified", "OE Replacement", "NSF Certified"), positions=("Left", "Right"), weight_kg=(2.0, 6.0)),
        PartType("TLA", "Tail Light Assembly", price=(4999, 24999), brands=("TYC", "Depo", "Dorman"),
                 lines=("CAPA Certified", "OE Replacement"), positions=("Left", "Right"), weight_kg=(1.0, 3.0)),
        PartType("FOG", "Fog Light", price=(2999, 12999), brands=("Hella", "TYC", "Depo", "Sylvania"),
                 lines=("Micro DE", "OE Replacement", "Premium"), positions=("Left", "Right"), weight_kg=(0.5, 1.5)),
    )),
    "Engine": ("ENG", (
        PartType("TBK", "Timing Belt Kit", price=(7999, 29999), brands=("Gates", "Aisin", "Dayco", "Continental"),
                 lines=("PowerGrip", "OE Quality", "Pro Series"), specs={"includes_water_pump": ("yes", "no")}, weight_kg=(1.5, 5.0)),
        PartType("SBT", "Serpentine Belt", price=(1999, 5999), brands=("Gates", "Dayco", "Continental", "Goodyear"),
                 lines=("Micro-V", "Poly Rib", "Elite", "Gatorback"), specs={"ribs": ("5", "6", "7", "8")}, weight_kg=(0.2, 0.6)),
        PartType("VCG", "Valve Cover Gasket Set", price=(1999, 7999), brands=("Fel-Pro", "Victor Reinz", "Mahle", "Ajusa"),
                 lines=("PermaDry", "Premium", "Original"), weight_kg=(0.2, 0.8)),
        PartType("MNT", "Engine Mount", price=(2499, 11999), brands=("Anchor", "Westar", "DEA", "Pioneer"),
                 lines=("OE Replacement", "Premium", "Heavy Duty"), positions=("Front", "Rear", "Left", "Right"), weight_kg=(1.0, 4.0)),
        PartType("PCV", "PCV Valve", price=(499, 2499), brands=("Standard Motor Products", "Dorman", "ACDelco", "Fram"),
                 lines=("OE Quality", "Professional", "Premium"), weight_kg=(0.02, 0.1), vehicles=(4, 10)),
    )),
    "Exhaust": ("EXH", (
        PartType("CAT", "Catalytic Converter", price=(14999, 79999), brands=("MagnaFlow", "Walker", "Eastern", "AP Exhaust"),
                 lines=("Direct-Fit", "CalCat", "Ultra EPA", "OEM Grade"), specs={"emissions": ("EPA", "CARB")}, weight_kg=(4.0, 12.0)),
        PartType("MUF", "Exhaust Muffler", price=(4999, 24999), brands=("Walker", "MagnaFlow", "Flowmaster", "AP Exhaust"),
                 lines=("Quiet-Flow", "Street Series", "Super 44", "SoundFX"), weight_kg=(5.0, 14.0)),
        PartType("GSK", "Exhaust Manifold Gasket", price=(999, 4999), brands=("Fel-Pro", "Victor Reinz", "Walker", "Mahle"),
                 lines=("PermaDry", "Premium", "Original"), weight_kg=(0.1, 0.4)),
    )),
    "Drivetrain": ("DRV", (
        PartType("CVA", "CV Axle Assembly", price=(5999, 19999), brands=("Cardone", "GSP", "TrakMotive", "Dorman"),
                 lines=("Select", "New", "OE Replacement"), positions=("Front Left", "Front Right"), weight_kg=(5.0, 10.0)),
        PartType("WBH", "Wheel Bearing and Hub Assembly", price=(4999, 19999), brands=("Timken", "SKF", "Moog", "ACDelco"),
                 lines=("OE Quality", "Hub Assembly", "Professional"), positions=FRONT_REAR, weight_kg=(2.0, 6.0)),
        PartType("CLK", "Clutch Kit", price=(12999, 49999), brands=("LuK", "Exedy", "Sachs", "Valeo"),
                 lines=("RepSet", "OEM Replacement", "Stage 1", "Performance"), weight_kg=(6.0, 15.0)),
    )),
    "Wipers": ("WIP", (
        PartType("BLD", "Wiper Blade", price=(999, 3499), brands=("Bosch", "Rain-X", "Trico", "Michelin"),
                 lines=("ICON", "Latitude", "Onyx", "Stealth", "Aerotwin"), positions=("Driver", "Passenger", "Rear"),
                 specs={"length_in": ("14", "16", "18", "20", "22", "24", "26")}, weight_kg=(0.1, 0.4), vehicles=(5, 12)),
        PartType("WMT", "Windshield Washer Pump", price=(999, 3999), brands=("Dorman", "ACDelco", "Trico", "Anco"),
                 lines=("OE Solutions", "Professional", "Premium"), weight_kg=(0.1, 0.4)),
    )),
}  # fmt: skip

# Aftermarket interchange prefixes by brand; unknown brands use the first three letters.
BRAND_PREFIX = {
    "Wagner": "ZD", "Akebono": "ACT", "Bosch": "BC", "Raybestos": "PGD", "ACDelco": "17D", "Brembo": "P",
    "Centric": "120.", "Cardone": "18-", "Bendix": "RS", "Mobil 1": "M1-", "K&N": "HP-", "Fram": "PH",
    "Wix": "57", "Purolator": "L", "NGK": "ILZKR", "Denso": "IK", "Champion": "RC", "Autolite": "AP",
    "Monroe": "171", "KYB": "339", "Bilstein": "22-", "Gabriel": "G5", "Moog": "K", "Mevotech": "CMS",
    "TRW": "JTC", "Dorman": "52", "Gates": "TCKWP", "Dayco": "5060", "Interstate": "MTX-", "Optima": "8004-",
    "Sylvania": "H11SU", "Philips": "12362", "Timken": "HA", "SKF": "BR", "Walker": "16", "MagnaFlow": "4",
}  # fmt: skip

WAREHOUSES = (
    ("EAST", "Atlanta East Distribution Center", 1),
    ("CENTRAL", "Dallas Central Distribution Center", 2),
    ("WEST", "Reno West Distribution Center", 3),
)
