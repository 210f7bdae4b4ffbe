"""Writes src/beacon/staff/data/common_passwords.txt: the passwords people choose first.

Generated from well-known patterns (no list is downloaded): the words that top every published
breach list, words a police force's staff would reach for, names of months, seasons, football
clubs and towns, each as people dress them up (a capital, a year, '123', '!', letters swapped for
look-alike digits: the checker undoes those), and keyboard walks. Run it again after editing a word list; the output is
sorted so a change reads as a small diff.

    .venv/bin/python scripts/make_common_passwords.py
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "beacon" / "staff" / "data" / "common_passwords.txt"

BREACH_TOPS = """password passw0rd qwerty letmein welcome admin administrator dragon monkey football
iloveyou sunshine princess shadow master baseball superman batman trustno1 starwars whatever
freedom charlie michael jennifer hunter ranger buster soccer hockey killer george jordan harley
thomas robert daniel andrew joshua matthew jessica ashley amanda nicole hannah jasmine summer
winter spring autumn flower cookie chocolate butterfly pepper ginger tigger secret access login
changeme default guest test testing computer internet network security system server office
abc123 qwerty123 password1 iloveyou1 welcome1 letmein1 monkey1 dragon1 football1 mustang
maggie lovely loveme angel angels babygirl family forever friends happy hello hellokitty
liverpool chelsea arsenal everton tottenham united manchester leeds newcastle celtic rangers
london birmingham bristol cardiff swansea glasgow edinburgh belfast liverpool sheffield
nottingham leicester coventry bradford wolverhampton brighton plymouth southampton portsmouth
police policeman policewoman constable sergeant inspector officer detective copper beacon
control controlroom dispatch emergency custody warrant patrol response safeguarding
neighbourhood station headquarters force handler supervisor
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
oliver jack harry jacob charlie william james george noah alfie joshua freddie archie leo oscar
olivia amelia isla emily ava jessica sophie grace lily ella chloe poppy mia ruby evie sarah
emma laura rebecca rachel claire karen lisa julie helen susan david paul mark steven peter
richard simon john stephen christopher anthony kevin gary ian neil darren lee wayne craig
dog cat tiger lion bear wolf eagle falcon horse pony rabbit bunny kitten puppy dolphin panther
red blue green yellow orange purple black white silver golden pink rainbow
cricket rugby tennis golf boxing snooker darts fishing runner cycling
porsche ferrari bmw mercedes audi ford vauxhall jaguar landrover harley yamaha honda
pokemon minecraft fortnite playstation xbox nintendo matrix gandalf hobbit starwars
jesus christ heaven blessed faith church england scotland wales ireland britain""".split()

PHRASES = """correcthorsebatterystaple iloveyoutoo letmeinnow passwordpassword qwertyqwerty
welcometothejungle thequickbrownfox opensesame trustnoone iamthebest whatsmypassword
mypassword yourpassword newpassword oldpassword temppassword temporarypassword changemenow
policepolice godsavethequeen godsavetheking""".split()

KEYBOARD_WALKS = """qwertyuiop asdfghjkl zxcvbnm 1qaz2wsx 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y
qazwsx qazwsxedc zaq12wsx zaq1zaq1 q1w2e3r4 q1w2e3r4t5 1234qwer qwer1234 asdf1234 zxcv1234
qweasdzxc qweasd 123qwe 123qweasd 1234567890 0987654321 poiuytrewq lkjhgfdsa mnbvcxz""".split()

# Stored as the checker compares them (beacon.staff.password_policy.normalise: lower case,
# look-alike digits read as letters, separators dropped), and without the digits and symbols
# people add at either end: the checker strips those before it looks a password up, so
# "Liverpool2026!" and "P@ssw0rd123" are found as "liverpool" and "password".
def common_passwords() -> set[str]:
    words = set(BREACH_TOPS) | set(PHRASES) | set(KEYBOARD_WALKS)
    pairs = {a + b for a in ("password", "qwerty", "letmein", "welcome", "ilove", "my", "the") for b in BREACH_TOPS}
    doubles = {word + word for word in BREACH_TOPS}
    return words | pairs | doubles


def main() -> None:
    from beacon.staff.password_policy import normalise

    common = {normalise(password) for password in common_passwords()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(f"{p}\n" for p in sorted(common)))
    print(f"{len(common)} passwords written to {OUT}")


if __name__ == "__main__":
    main()
