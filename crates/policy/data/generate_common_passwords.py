#!/usr/bin/env python3
"""Writes common-passwords.txt next to this script.

The list is built offline from a hand-written seed of widely known weak passwords
(the kind that top every published breach list) and mechanical patterns people
use: keyboard walks, digit runs, repeated characters, words with a digit/year/"!"
suffix, seasons and months with years. It is NOT a copy of any breach corpus.
Run it again after editing the seeds; the output is sorted and deterministic.
"""

from pathlib import Path

# Widely known weak passwords and the words they are built from.
SEED_WORDS = """
password passwort passw0rd p@ssword p@ssw0rd pa55word pass pass123 passpass
admin administrator root toor user guest test tester testing demo default
login welcome letmein changeme secret private master access system server
qwerty qwertz azerty qwertyuiop asdfgh asdfghjkl zxcvbn zxcvbnm qazwsx
1qaz2wsx 1q2w3e4r 1q2w3e 1q2w3e4r5t q1w2e3r4 zaq12wsx abc123 abcd1234 abcdef
abcdefg abcdefgh a1b2c3 a1b2c3d4 iloveyou iloveu loveyou lovely love
monkey dragon shadow sunshine princess football baseball basketball soccer
hockey superman batman spiderman starwars pokemon minecraft fortnite
trustno1 whatever freedom michael jennifer jordan hunter buster harley
tigger charlie robert thomas daniel george computer michelle jessica pepper
maggie ginger joshua cheese amanda summer winter spring autumn ashley nicole
chelsea biteme matthew yankees dallas austin thunder taylor matrix mustang
killer klaster cookie flower hello hello123 hellokitty angel angels
butterfly purple orange banana apple chocolate sweety sweetie cutie
friends family forever nothing secret123 internet google facebook
samsung apple123 microsoft windows linux ubuntu oracle mysql postgres
liverpool arsenal barcelona realmadrid juventus chelsea1 manchester
andrew joseph william richard david james john jonathan anthony justin
samantha elizabeth melissa jessica1 daniel1 andrea alexander alexandra
charlotte sophie emma olivia isabella mia lucas liam noah benjamin
qwerty123 qwerty1 asdf1234 asdf zxcv1234 zaq1zaq1 qweasd qweasdzxc
q1w2e3r4t5 1qazxsw2 asd123 qwe123 zxc123 aa123456 a123456 a12345678
password1 password12 password123 password1234 password! passw0rd1
welcome1 welcome123 letmein1 letmein123 admin1 admin123 admin1234
root123 test123 test1234 guest123 user123 login123 master123 secret1
superman1 batman1 dragon1 monkey1 shadow1 football1 baseball1 princess1
iloveyou1 iloveyou2 sunshine1 trustno1 jordan23 michael1 charlie1
starwars1 whatever1 freedom1 computer1 summer1 winter1 spring1 autumn1
killer1 hunter2 hunter1 pokemon1 tigger1 ginger1 cookie1 flower1
money money123 bitcoin crypto dollar cash rich lucky lucky7 lucky13
soccer1 hockey1 jesus jesus1 god godisgood christ blessed faith
mother father sister brother mommy daddy baby babygirl babyboy
beautiful pretty handsome sexy hottie lovers loveme kisses
nintendo playstation xbox gamer gaming player player1 warcraft
matrix1 phoenix falcon eagle tiger lion wolf bear dolphin horse
dragonball naruto sasuke goku pikachu mario zelda sonic
london paris berlin amsterdam newyork chicago toronto sydney madrid
germany england france holland netherlands america canada australia
letmeinnow opensesame youshallnotpass abracadabra password!
bonjour hallo ciao hola salut merci danke
""".split()

# Rows of common keyboard layouts, for walks.
KEYBOARD_ROWS = [
    "1234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "qwertzuiop",
    "yxcvbnm",
]

SEASONS = ["spring", "summer", "autumn", "fall", "winter"]
MONTHS = [
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december",
]
# Words people pair with the current year when forced to rotate passwords.
YEAR_WORDS = ["password", "welcome", "admin", "letmein", "qwerty", "secret", "changeme", "login"]
YEARS = range(1990, 2031)
SUFFIXES = ["", "1", "12", "123", "1234", "12345", "!", "1!", "123!", "@123", "01", "007", "69", "99", "00"]


def keyboard_walks():
    for row in KEYBOARD_ROWS:
        for start in range(len(row)):
            for end in range(start + 4, len(row) + 1):
                walk = row[start:end]
                yield walk
                yield walk[::-1]
    # Vertical walks on a QWERTY keyboard: 1qaz2wsx3edc...
    columns = ["1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/"]
    for count in range(2, len(columns) + 1):
        yield "".join(columns[:count])
        yield "".join(c[:3] for c in columns[:count])


def digit_runs():
    for length in range(4, 13):
        for digit in "0123456789":
            yield digit * length
        yield "".join(str((i + 1) % 10) for i in range(length))  # 123456...
        yield "".join(str((9 - i) % 10) for i in range(length))  # 987654...
        yield "".join(str(i % 10) for i in range(length))  # 012345...
    for pair in ["12", "13", "69", "11", "21", "01", "10"]:
        for times in range(2, 6):
            yield pair * times
    for triple in ["123", "321", "159", "147", "258", "369", "753", "951", "456", "789"]:
        for times in range(2, 4):
            yield triple * times
    for special in ["159753", "147258369", "741852963", "963852741", "112233", "11223344",
                    "121212", "131313", "123321", "1234321", "12344321", "654321", "7654321",
                    "87654321", "102030", "10203040", "112358", "11235813", "314159", "3141592653",
                    "1q2w3e", "1a2b3c", "q1w2e3", "123abc", "abc12345", "00000000", "696969"]:
        yield special


def repeated_letters():
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for length in range(4, 13):
            yield letter * length
    for chunk in ["ab", "abc", "abcd", "xo", "ha", "lol", "qwe", "asd", "zxc"]:
        for times in range(2, 5):
            yield chunk * times


def word_variants():
    for word in SEED_WORDS:
        for suffix in SUFFIXES:
            yield word + suffix


def dated_words():
    for word in SEASONS + MONTHS + YEAR_WORDS:
        yield word
        for year in YEARS:
            for text in (str(year), str(year)[2:]):
                yield word + text
                yield word + text + "!"
                yield word + "@" + text
    for year in YEARS:
        yield str(year)
        yield str(year) * 2


def main():
    entries = set()
    for source in (keyboard_walks, digit_runs, repeated_letters, word_variants, dated_words):
        entries.update(entry.lower() for entry in source())
    # Anything shorter than four characters is caught by every length rule anyway.
    entries = sorted(entry for entry in entries if len(entry) >= 4)
    header = [
        "# Common weak passwords for poort-policy (one per line, lower case, matched case-insensitively).",
        "# Provenance: generated offline by generate_common_passwords.py from a hand-written seed of",
        "# widely known weak passwords plus mechanical patterns (keyboard walks, digit runs, repeated",
        "# characters, words with digit/year/'!' suffixes, seasons and months with years).",
        "# It is not a copy of any breach corpus; operators can add a real one with CommonList::with_extra.",
        f"# Entries: {len(entries)}. Lines starting with '#' are comments.",
    ]
    out = Path(__file__).with_name("common-passwords.txt")
    out.write_text("\n".join(header + entries) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
