"""The fictional force and city the night shift happens in.

West Burnshire Police and the town of Burnhaven are invented. Postcodes use the real UK format
(outward code, space, inward code) in the BB area so that location parsing is exercised for real;
street names are ordinary English street names, not a map of any real place.
"""

from __future__ import annotations

from dataclasses import dataclass

FORCE_NAME = "West Burnshire Police"
TOWN = "Burnhaven"


@dataclass(frozen=True)
class ForceAccounts:
    """The force's own account on each channel: the `channel_account` of every inbound message."""

    x_handle: str = "@WestBurnPolice"
    x_user_id: str = "1012345678901234567"
    facebook_page_id: str = "104857392011563"
    instagram_account_id: str = "17841405822304914"
    instagram_handle: str = "westburnpolice"
    whatsapp_number: str = "+447700900001"
    whatsapp_phone_number_id: str = "109876543210987"
    sms_number: str = "+447700900000"
    email: str = "contact@westburn.police.uk"
    webform: str = "westburn.police.uk/report"


ACCOUNTS = ForceAccounts()


@dataclass(frozen=True)
class Street:
    name: str
    postcode: str
    area: str
    lat: float
    lon: float


# Real-format postcodes; house numbers are added by the storylines.
STREETS: tuple[Street, ...] = (
    Street("Calder Street", "BB11 2QJ", "Fulledge", 53.7862, -2.2391),
    Street("Hargreaves Street", "BB11 1DU", "Town Centre", 53.7889, -2.2452),
    Street("Colne Road", "BB10 1LD", "Burnhaven Wood", 53.7991, -2.2318),
    Street("Padiham Road", "BB12 0BX", "Gannow", 53.7937, -2.2685),
    Street("Yorkshire Street", "BB11 3BT", "Fulledge", 53.7871, -2.2360),
    Street("Manchester Road", "BB11 4HE", "Rosehill", 53.7784, -2.2479),
    Street("Briercliffe Road", "BB10 2EZ", "Harle Syke", 53.8041, -2.2097),
    Street("Accrington Road", "BB11 5AS", "Rose Grove", 53.7819, -2.2711),
    Street("Todmorden Road", "BB11 3ER", "Towneley", 53.7795, -2.2279),
    Street("Church Street", "BB11 2DL", "Town Centre", 53.7893, -2.2401),
    Street("Brunshaw Road", "BB10 4PQ", "Brunshaw", 53.7948, -2.2172),
    Street("Rossendale Road", "BB11 5DG", "Rosehill", 53.7752, -2.2566),
    Street("Victoria Road", "BB12 6NA", "Hapton Bridge", 53.7985, -2.2806),
    Street("Albion Street", "BB11 4NW", "Rosehill", 53.7811, -2.2433),
    Street("Oxford Road", "BB11 3AZ", "Fulledge", 53.7838, -2.2330),
    Street("Elm Grove", "BB10 3HT", "Burnhaven Wood", 53.8012, -2.2255),
)

PUBS: tuple[str, ...] = (
    "the Black Bull",
    "the Weavers Arms",
    "the Swan",
    "the Crown & Anchor",
    "Spoons",
)

SHOPS: tuple[str, ...] = (
    "the Co-op",
    "Tesco Express",
    "the big Asda",
    "the Spar",
    "the chippy",
    "the Shell garage",
    "the 24hr McDonald's",
)

PLACES: tuple[str, ...] = (
    "the bus station",
    "Thompson Park",
    "the retail park",
    "the canal towpath",
    "the leisure centre car park",
    "Queen's Park",
    "the train station",
)

NON_EMERGENCY = "101"
