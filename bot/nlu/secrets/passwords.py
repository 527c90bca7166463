"""Passwords: a password-shaped value right after (or just before) the word "password".

"Passwort ist falsch" and "la contraseña es incorrecta" describe a password; "pw hunter2"
and "мой пароль hunter2" give one. What follows the cue is a password when it has a
password's shape (letters with digits or symbols, mixed case, a long digit run), or, after
an explicit "is" / ":" / "=", any word that is not one of the describing words of
cues.yml (`not_a_password`): "my password is sunshine".
"""

from __future__ import annotations

import re

from bot.nlu.folding import Folded, fold
from bot.nlu.secrets.common_words import common_word
from bot.nlu.secrets.cues import cue_patterns, find
from bot.nlu.secrets.keys import Found

PASSWORD = "password"

# What may sit between the cue and the value, matched in the original text (accents
# matter: Portuguese "é" connects, Italian "e" is "and"): "is", ":", "=", "是", Japanese
# and Korean particles ("パスワードはqwerty99", "비밀번호는 Qwer1234").
_CONNECTOR = re.compile(
    r"(?:\s*(?:(?:is|was|now|es|era|é|è|est|était|ist|lautet|war|là|la|это|olarak|eh)(?!\w)"
    r"|của\s+(?:tôi|em|mình|anh|chị|tớ)"
    r"|[:：=\-—–]|->|=>|是|为|為|就是|(?:は|が|는|은|이|가|:)(?=[\s\"'“「A-Za-z0-9:!#$%&*@])))+\s*",
    re.IGNORECASE)
# "мой пароль солнышко", "şifrem elma": Russian and Turkish drop the "is", so after
# "my password" a plain word that ends the clause is the password too.
_COPULA_FREE = re.compile(fold("(?:мой|моя|твой)") + r"\s*$")
_CLAUSE_END = re.compile(r"\s*(?:$|[,.;!?—–\n。、！？]|-\s|です|でした|입니다|이에요|예요)")
_QUOTES = "\"'“”‘’「」『』«»`"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")
_VALUE = re.compile(r"[^\s,，。、;；]+")
# A password typed in the user's own script with digits or symbols in it: the whole
# token ("사랑해1004사랑", "하늘1004sky": 0.11.16 review, a prefix only left the rest in
# clear), less a particle or copula ending it; not an error code or a date ("에러1005",
# "エラーコード401", "어제2024.05.01에").
_CJK_THEN_DIGITS = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]{1,12}[0-9!@#$%^&*_.\-]{3,}")
_ENDING_PARTICLE = re.compile(r"(?:인데요?|이에요|예요|입니다|이야|으로|로|에서|에|을|를|이|가|은"
                              r"|는|です|でした|で|は|が|を|に|と)$")
_NOT_OWN_SCRIPT_VALUE = re.compile(
    r"^(?:(?:エラー(?:コード)?|에러(?:코드)?|오류(?:코드)?)\d+"
    r"|(?:어제|오늘|내일|昨日|今日|明日)?\d{4}[.\-/]\d{1,2}[.\-/]\d{1,2})$")


def _own_script_value(value: str) -> int | None:
    """The length of a kana/Hangul-led password token, or None."""
    if not _CJK_THEN_DIGITS.match(value):
        return None
    ending = _ENDING_PARTICLE.search(value)
    end = ending.start() if ending else len(value)
    return None if _NOT_OWN_SCRIPT_VALUE.match(value[:end]) else end


_TRAILING = ".,;:?)]}" + _QUOTES
_SYMBOLS = set("!@#$%^&*+=?~<>|\\/_.-")
_STRONG_SYMBOLS = set("!@#$%^&*+=?~<>|\\")
# Parts of compounds that are words, not passwords: "2FA-Codes", "API-ключи", "Seed-Phrase".
_TERMS = {"2fa", "g2fa", "u2f", "otp", "api", "sms", "pin", "id", "uid", "kyc", "24h", "1st",
          "2nd", "3rd", "usdt", "btc", "eth"}
_AMOUNT = re.compile(r"^\d+(?:[.,]\d+)?[a-z]{2,5}$", re.IGNORECASE)
# "ticket n°559201", "Nr.48213", "№ 5512": a number and its sign, no password.
_NUMBER_SIGN = re.compile(r"^(?:n[°º]|nr\.?|no\.|№)\d+$", re.IGNORECASE)
_EMAIL_OR_LINK = re.compile(r"@.*\.|://|^www\.|^0x[0-9a-f]{8,}", re.IGNORECASE)
_LONGEST_DESCRIPTION = 18  # "недействительный" (16) fits, "correcthorsebattery" (19) not
_NEARBY = 60  # how far after a password cue a strictly password-shaped token still counts
_BEFORE = 25  # "Tr0ub4dor&3 is my password": how far before the cue


# "my password is: purple monkey dishwasher": after a colon or "is", a few plain words that end
# the message or its line are one passphrase (0.11.13 trial: two of its three words were
# stored in clear). Words that go on with a sentence ("… doesn't work", "… and it …")
# end it.
_PRESENTED = re.compile(r"[:：=]|\bis\b", re.IGNORECASE)
# Words of the first word's script (Latin or Cyrillic): a passphrase is typed on one
# keyboard, and "moonlight 로 로그인하는데 자꾸 실패해요" goes on in Korean.
_PASSPHRASE_REST = re.compile(
    r"(?:[ \t]+[^\W\d_][^\W\d_'’-]*){1,5}(?=[ \t]*(?:$|\n|[.!?]+[ \t]*$|,))")
_GOES_ON = frozenset(
    "not no doesnt doesn't isnt isn't wont won't dont don't didnt didn't cant can't and but or "
    "please pls plz help why what how when is was it its it's work works working worked "
    "anymore now again thanks thank on in at for the a an to from with since because so if "
    "still also too yet here there i you me my we "
    # the same in the other languages whose passphrases are words
    "не нет и но а уже работает подходит ne pas et mais marche plus no y pero funciona "
    "nicht und aber geht mehr não e mas funciona non ma funziona "
    # what an error report goes on with: "password: incorrect error message appears"
    "error errors message shows says appears displayed showing keeps every time today "
    "login log".split())
# "password: correct horse battery staple": a passphrase may start with a describing word
# when at least three more plain words follow it to the end of the line; "my password is
# correct but …", "… is wrong again" go on with a sentence and stay readable.
_DESCRIBED_PASSPHRASE_WORDS = 3


def _script(word: str) -> str | None:
    """"latin" or "cyrillic" when every letter is; None otherwise."""
    if all("a" <= c.lower() <= "z" or "\u00c0" <= c <= "\u024f" for c in word):
        return "latin"
    if all("\u0400" <= c <= "\u04ff" for c in word):
        return "cyrillic"
    return None


def _whole_passphrase(text: str, end: int, presented: bool, script: str | None = None,
                      least: int = 1) -> int:
    if not presented:
        return end
    rest = _PASSPHRASE_REST.match(text, end)
    if rest is None:
        return end
    words = rest.group(0).split()
    if len(words) < least or any(word.casefold() in _GOES_ON or _script(word) != script
                                 for word in words):
        return end
    return rest.end()


def _described_passphrase(text: str, connector: str, value: tuple[int, int]) -> int | None:
    """The end of a passphrase that starts with a describing word, or None."""
    token = text[value[0]:value[1]]
    script = _script(token)
    if not (_PRESENTED.search(connector) and _plain_word(token) and script):
        return None
    end = _whole_passphrase(text, value[1], True, script, least=_DESCRIBED_PASSPHRASE_WORDS)
    if end == value[1] or any(_describes(word) for word in text[value[1]:end].split()):
        return None
    return end


def _value_at(text: str, start: int) -> tuple[int, int] | None:
    while start < len(text) and text[start] in _QUOTES + " ":
        start += 1
    match = _VALUE.match(text, start)
    if match is None:
        return None
    value = match.group(0)
    own_script = _own_script_value(value)  # "사랑해1004", "ひまわり777"
    cjk = _CJK.search(value)  # "qwerty99です": a password never runs into Japanese
    end = match.start() + (own_script if own_script is not None
                           else cjk.start() if cjk else len(value))
    while end > match.start() and text[end - 1] in _TRAILING:
        end -= 1
    return (match.start(), end) if end > match.start() else None


def _describes(word: str) -> bool:
    """A plain word that says something about the password ("falsch", "expirou"). Not a
    long one that merely starts like one: "correcthorsebattery" is a password."""
    folded = fold(word).strip("!?.")
    return (folded.isalpha() and len(folded) <= _LONGEST_DESCRIPTION
            and bool(cue_patterns()["not_a_password"].fullmatch(folded)))


def _wordlike(token: str) -> bool:
    parts = [p for p in re.split(r"[-_·./]", token.strip("*_~`·")) if p]
    return bool(parts) and all(p.isalpha() or fold(p) in _TERMS for p in parts)


def strictly_shaped(token: str) -> bool:
    """Looks like a password whatever is around it: not an id, amount, e-mail or link."""
    token = token.strip("*_~`·")
    if _wordlike(token) or not 6 <= len(token) <= 40 or _AMOUNT.match(token) or (
            _EMAIL_OR_LINK.search(token)) or _NUMBER_SIGN.match(token):
        return False
    if len(token) >= 16 and all(c in "0123456789abcdefABCDEF" for c in token):
        return False  # a hash
    letters = any(c.isalpha() for c in token)
    digits = any(c.isdigit() for c in token)
    lower = any(c.islower() for c in token)
    upper = any(c.isupper() for c in token)
    symbols = any(c in _SYMBOLS for c in token)
    strong = any(c in _STRONG_SYMBOLS for c in token)
    if letters and not lower:  # ORD-8812345, T48213: ids are upper case
        return False
    return letters and ((digits and (lower or symbols)) or (strong and upper))


def _shaped(token: str) -> bool:
    """Right after "password is": a shorter or simpler value still counts ("abc1")."""
    return strictly_shaped(token) or (token.isdigit() and len(token) >= 6) or (
        len(token) >= 4 and any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
        and not _wordlike(token) and not _AMOUNT.match(token)
        and not _EMAIL_OR_LINK.search(token))


# A quoted value right after the cue and the "to" of a change: 'пароль на "апельсин"',
# 'password to "marmalade"'. Only right after the cue: 'went to "Settings"' is a page.
_QUOTED_AFTER_TO = re.compile(
    r"\s+(?:to|на|para|a|en|in|auf|zu|thành)\s*[\"'“‘«「]([^\s\"'“”‘’«»「」]{4,40})[\"'”’»」]",
    re.IGNORECASE)


# A quoted value right after the cue and a particle, in any script: "パスワード「ひまわり」で
# ログインできません", "비밀번호를 '고양이'로 바꿨는데" (holdout8 secrets suite: a kana or Hangul
# password was cut at its first character, as "qwerty99です" is cut before its kana).
# One token, no sentence: "パスワード「間違っています」" quotes an error message.
_QUOTED_RIGHT_AFTER = re.compile(
    r"\s*(?:[はがをもで]|[는은이가를을]|[:：=]"
    r"|(?:is|was|es|era|ist|war|est|était|é|è|это|был|была)(?!\w))?\s*"
    r"[\"'“‘«「『]([^\s\"'“”‘’«»「」『』]{1,40})[\"'”’»」』]", re.IGNORECASE)
# What follows a label quoted from a screen: it is pressed, shown or said ("'찾기' 누르면",
# "「ログイン」ボタン", "「期限切れ」と出ます", "'불일치' 라고 떠요", "'틀렸다'로 나와요": the
# 0.11.16 reviews). Anything else after a quoted value keeps it a password ("로 바꿨는데",
# "이고", "야", "なんですが", "にしました", "って入れた").
_LABEL_AFTER = re.compile(
    r"\s*(?:(?:[을를]\s*)?(?:누르|눌러|눌렀|클릭|탭|선택)|버튼|아이콘|칸|창|메뉴|링크|화면"
    r"|이?라고|이?라는|이?라며|로\s*(?:떠|뜨|뜬|나와|나오|나옴|표시)"
    r"|(?:を|が)?\s*(?:押|クリック|タップ|選択)|ボタン|アイコン|欄|画面|リンク|メニュー"
    r"|(?:と|って|が)\s*(?:出|表示|言われ|書い))")
_SENTENCE_ENDING = re.compile(
    r"(?:ます|です|ません|ない|する|した|ました|습니다|니다|어요|아요|해요|세요|었다|았다|렸다|[?？])$")
_KANA_OR_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
# What a quoted word after the cue says about the password rather than gives it.
_QUOTED_STATUS = frozenset(("エラー", "無効", "不正", "変更", "リセット", "오류", "에러",
                            "틀림", "잘못됨", "만료", "변경", "재설정", "초기화"))


def _quoted_right_after(f: Folded, cue_end: int) -> Found | None:
    match = _QUOTED_RIGHT_AFTER.match(f.original, cue_end)
    if match is None:
        return None
    token = match.group(1)
    if (not _KANA_OR_HANGUL.search(token) or _SENTENCE_ENDING.search(token)
            or token in _QUOTED_STATUS or _describes(token)
            or _LABEL_AFTER.match(f.original, match.end())):
        return None  # Latin (and Chinese) values go through the rules below
    return Found(*match.span(1), PASSWORD)


def passwords(f: Folded) -> list[Found]:
    found: list[Found] = []
    cue_valued: list[Found] = []
    unresolved: list[tuple[int, int]] = []
    for cue_start, cue_end in find("password", f.text):
        cue_end_original = f.span(cue_end, cue_end)[0]
        changed_to = _QUOTED_AFTER_TO.match(f.original, cue_end_original)
        if changed_to is not None and _quoted_value(changed_to.group(1)):
            found.append(Found(*changed_to.span(1), PASSWORD))
            continue
        quoted_cjk = _quoted_right_after(f, cue_end_original)
        if quoted_cjk is not None:
            found.append(quoted_cjk)
            continue
        connector = _CONNECTOR.match(f.original, cue_end_original)
        has_connector = bool(connector and connector.group(0).strip())
        value = _value_at(f.original, connector.end() if has_connector and connector
                          else cue_end_original)
        if value is not None:
            token = f.original[value[0]:value[1]]
            owned = bool(_COPULA_FREE.search(f.text[max(0, cue_start - 8):cue_start])) or (
                f.text[cue_start:cue_end] in ("sifrem", "parolam", "sifresi", "parolasi"))
            ends_clause = bool(_CLAUSE_END.match(f.original, value[1]))
            # A plain word after "is" / ":" is the password when it ends the clause ("my
            # password is sunshine") or is no common word of any language we serve
            # ("password: sunflower, why won't it work"); not "la password è stata
            # cambiata", "my password is working again". Without "is", verbs end
            # clauses too ("şifremi söyledim"): only "my password <word>." in languages
            # that drop the "is".
            word_ok = _plain_word(token) and (
                (ends_clause and (has_connector or owned))
                or (has_connector and not common_word(token)))
            # "password: kiss-me-now", "pw = i_love_my_dog": words joined into one, after
            # ":" or "=" ("the password is case-sensitive" describes it).
            word_ok = word_ok or (has_connector and ends_clause and _joined_words(token)
                                  and bool(connector and re.search(r"[:=：]", connector.group(0))))
            # Quotes present a value: 'mot de passe "soleil"', 'pw "hunter"'.
            quoted = f.original[value[0] - 1:value[0]] in _QUOTES if value[0] else False
            if _acceptable(token) and (_shaped(token) or word_ok or (quoted and (
                    _plain_word(token) or _joined_words(token)))):  # '"Hausboot_Sommer"'
                # Only words make a passphrase: "Abc12345 withdrawals locked" is a
                # password and what happened.
                presented = bool(connector and _PRESENTED.search(connector.group(0))
                                 and _plain_word(token))
                script = _script(token)
                end = _whole_passphrase(f.original, value[1], presented and script is not None,
                                        script)
                # "my password is password", "Passwort: passwort": a cue word presented
                # as the value, ending the clause, is the commonest password of all
                # (the filter below keeps cue words readable everywhere else).
                target = cue_valued if (has_connector and ends_clause
                                        and end == value[1]) else found
                target.append(Found(value[0], end, PASSWORD))
                # Read on past it: "ancien mdp : Paris75011xx, nouveau : LeChat#Noir2024",
                # "原密码Aa123456，改成Xb!9pQ_2024" give a second one.
                unresolved.append((cue_start, cue_end))
                continue
            described = (_described_passphrase(f.original, connector.group(0), value)
                         if has_connector and connector else None)
            if described is not None:
                found.append(Found(value[0], described, PASSWORD))
                continue
        loose = _loose_is(f.original, cue_end_original)
        if loose is not None:
            found.append(Found(*loose, PASSWORD))
            unresolved.append((cue_start, cue_end))
            continue
        before = _value_before(f, cue_start)
        if before is not None:
            token = f.original[before[0]:before[1]]
            if _acceptable(token) and (_shaped(token) or (
                    _plain_word(token) and not common_word(token))):
                found.append(Found(*before, PASSWORD))
                continue
        unresolved.append((cue_start, cue_end))
    # A leetspeak cue is password-shaped itself ("p4ssw0rd: Qz9!…", "how do I reset my
    # passw0rd?"): found only because of its shape, it stays readable. Named by another
    # cue ("my password is P@ssw0rd", "old password was P@ssw0rd, new …") or typed after
    # the login, it is the password: the commonest there is.
    cues = [f.span(*cue) for cue in find("password", f.text)]
    named = found + _after_login(f) + _changed_from_or_to(f.original, cues)
    shaped = _near_cues(f, unresolved) + _lone_token(f)
    # A cue spelt in letters ("password") is never the password, whatever reads it so
    # (the leetspeak cue after it looks back at it).
    words = [(a, b) for a, b in cues if f.original[a:b].replace(" ", "").isalpha()]
    return cue_valued + [
        x for x in named if not any(a <= x.start and x.end <= b for a, b in words)] + [
        x for x in shaped if not any(a <= x.start and x.end <= b for a, b in cues)]


# "changed pass from p4ssw0rd to …": the old or new value of a change, right after "from"
# or "to", a few words after another cue. Only for a leetspeak cue (which the last step
# keeps readable unless something names it): a plain value there is read by _near_cues.
_FROM_OR_TO = re.compile(r"(?<!\w)(?:from|to|was|von|zu|de|para|da|a|от|на|với|thành)\s+$",
                         re.IGNORECASE)


def _changed_from_or_to(text: str, cues: list[tuple[int, int]]) -> list[Found]:
    found: list[Found] = []
    for index, (start, end) in enumerate(cues):
        if text[start:end].isalpha() or not _FROM_OR_TO.search(text, max(0, start - 8), start):
            continue
        if any(0 <= start - earlier_end <= _NEARBY for _, earlier_end in cues[:index]):
            found.append(Found(start, end, PASSWORD))
    return found


# "login john.doe@gmail.com / Tr0ub4dor&3 cant get in": a login and its password typed as
# a pair, no password word in sight (the 0.11.12 trial: shown to the agent in clear). Only
# a strictly password-shaped token right after the e-mail address counts, so an order id,
# an amount or a TXID after it does not.
_LOGIN_THEN_VALUE = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?:\s*[/:|,;]\s*|\s+)([^\s,，。、;；]+)")


# Alone but no password: a handle ("@binance_support24", "john#1234"), a link or domain
# ("t.me/support_bot?start=abc123", "binance.com/en/…"), a case number ("case#4420917x"),
# markup ("<script>…</script>", which the console must show as typed).
# Nor a field and its value ("uid=48213957", "order_id=8834512390": 0.11.14 trial).
_NOT_LONE_PASSWORD = re.compile(
    r"^[@<]|/|\.[a-z]{2,}\b|^[a-z_]+#\d+[a-z]?$|^[a-z_]+[=:]\d+$", re.IGNORECASE)


def _lone_token(f: Folded) -> list[Found]:
    """A message that is nothing but a password-shaped token with a symbol in it
    ("Xy7#pQ92!mz", sent after "login a@b.com"): what else would one send alone? Ids,
    addresses, hashes and codes carry no !@#$%^&* (the 0.11.12 trial: stored in clear).
    The symbol must sit inside it: "wen2moon?" ends a question. ASCII only: Chinese,
    Japanese and Korean sentences have no spaces either ("现货maker和taker费率?交易量…")."""
    token = f.original.strip()
    if not token.isascii() or len(token.split()) != 1 or not strictly_shaped(token) or not (
            set(token[:-1]) & _STRONG_SYMBOLS) or _NOT_LONE_PASSWORD.search(token):
        return []
    start = f.original.index(token)
    return [Found(start, start + len(token), PASSWORD)]


# A time or a version after the address is no password: "… john@x.com 12:30pm", "v2.3.1".
_TIME_OR_VERSION = re.compile(r"\d{1,2}[:.]\d{2}(?:[ap]m)?|v?\d+(?:\.\d+)+[a-z]?",
                              re.IGNORECASE)


def _after_login(f: Folded) -> list[Found]:
    found: list[Found] = []
    if "@" not in f.original:  # the address pattern backtracks over long words otherwise
        return found
    for match in _LOGIN_THEN_VALUE.finditer(f.original):
        start, end = match.span(1)
        token = f.original[start:end].rstrip(_TRAILING)
        if strictly_shaped(token) and not _TIME_OR_VERSION.fullmatch(token):
            found.append(Found(start, start + len(token), PASSWORD))
    return found


# "minha senha e saudade,", "la password e girasole,": "é" / "è" typed without its accent.
# Plain "e" is also "and", so only a rare word that ends the clause is taken.
_LOOSE_E = re.compile(r"\s+e\s+")


def _loose_is(text: str, cue_end: int) -> tuple[int, int] | None:
    connector = _LOOSE_E.match(text, cue_end)
    if connector is None:
        return None
    value = _value_at(text, connector.end())
    if value is None:
        return None
    token = text[value[0]:value[1]]
    if _plain_word(token) and _acceptable(token) and not common_word(token) and (
            _CLAUSE_END.match(text, value[1])):
        return value
    return None


# "sunflower is my password", "girasol es mi contraseña", "Kiel2023 ist mein Passwort",
# "abc123是我的密码": the value right before a cue, joined by "is (my)".
_BEFORE_CUE = re.compile(
    r"([^\s\"'“”「」«»,，。:：]{4,64})[\"'”」»]?(?:\s*[—–-])?"
    r"(?:\s+(?:is|was|es|est|ist|era|é|è|là|это)\s+"
    r"(?:(?:my|mi|mon|ma|mein|meine|minha|meu|mia|il mio|la mia|la|le|el|the|мой|моя)\s+)?"
    r"|\s*(?:就是我的|是我的|是)\s*)$", re.IGNORECASE)


# Cheap first look at the few characters before a cue: most cues have no "is" there.
_JOINED_BEFORE = re.compile(r"(?:(?:is|was|es|est|ist|era|é|è|là|это)\s+(?:\w+\s+)?|是)\s*$",
                            re.IGNORECASE)


def _value_before(f: Folded, cue_start: int) -> tuple[int, int] | None:
    start = f.span(cue_start, cue_start)[0]
    if not _JOINED_BEFORE.search(f.original, max(0, start - 16), start):
        return None
    match = _BEFORE_CUE.search(f.original, max(0, start - 90), start)
    if match is None:
        return None  # "… password" with no "is" joining them says nothing
    value = match.span(1)
    cjk = _CJK.search(match.group(1))
    if cjk:  # "我的账户abc123是我的密码": the value is the end, after the last CJK char
        last = max(m.end() for m in _CJK.finditer(match.group(1)))
        value = (value[0] + last, value[1])
    return value if value[1] - value[0] >= 4 else None


def _acceptable(token: str) -> bool:
    return len(token) >= 4 and not _describes(token) and not _EMAIL_OR_LINK.search(token)


def _joined_words(token: str) -> bool:
    parts = re.split(r"[-_]", token)
    return (len(parts) >= 2 and all(part.isalpha() for part in parts)
            and not any(fold(part) in _TERMS for part in parts))


def _plain_word(token: str) -> bool:
    return token.isalpha() and not _CJK.search(token)


# Near a cue, a quoted value after "was" / "is" / ":": 'changed pw, old one was "sunshine"
# new one is "Tr@d3r$2025x"'. A quoted sentence ("says "wrong password"") has spaces.
_QUOTED_AFTER_IS = re.compile(
    r"(?:(?<!\w)(?:is|was|es|era|est|ist|war|é|è|это|был|была)|[:=：])\s*[\"'“‘«「]"
    r"([^\s\"'“”‘’«»「」]{4,40})[\"'”’»」]", re.IGNORECASE)


def _quoted_value(token: str) -> bool:
    """A quoted token near a cue is a password: a plain word, or no word at all."""
    return _acceptable(token) and (_plain_word(token) or not _wordlike(token))


# A token ends at a space, a quote or bracket, or a CJK character ("Qq5201314是我的密码").
_NEAR_TOKEN = re.compile(
    r"[^\s\"'“”「」,，。：；（）()\[\]{}<>\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")


def _near_cues(f: Folded, cues: list[tuple[int, int]]) -> list[Found]:
    """A strictly password-shaped token shortly after a cue ("wrong password but it's
    definitely Moonboy#2291") or just before it ("Tr0ub4dor&3 is my password"). A token
    that overlaps a window counts whole. The windows of all cues are merged first, so a
    text dense with cues is still read once."""
    windows: list[tuple[int, int]] = []
    for cue_start, cue_end in cues:
        for lo, hi in (f.span(max(0, cue_start - _BEFORE), cue_start),
                       f.span(cue_end, min(len(f.text), cue_end + _NEARBY))):
            if windows and lo <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(hi, windows[-1][1]))
            else:
                windows.append((lo, hi))
    found = [Found(*m.span(1), PASSWORD) for lo, hi in windows
             for m in _QUOTED_AFTER_IS.finditer(f.original, lo, hi)
             if _quoted_value(m.group(1))]
    text = f.original
    for lo, hi in windows:
        start = max(0, lo - 64)  # a token cut by the window is read whole (up to 64)
        for match in _NEAR_TOKEN.finditer(text, start, min(len(text), hi + 64)):
            if match.end() <= lo or match.start() >= hi or (
                    match.start() == start and start > 0):
                continue
            token = match.group(0).rstrip(_TRAILING)
            if strictly_shaped(token):
                found.append(Found(match.start(), match.start() + len(token), PASSWORD))
    return found


# The message after one that named a password without giving it ("do you need my
# password?", "i'll send my password"): the 0.11.13 trial's "ok it's <password>" was
# stored in clear. A password-shaped token counts when it is the message, or only a
# presenting phrase comes before it ("ok it's", "here:"); "my address is T…" or "ref code
# Ab12Cd34" name what they give (0.11.14 review).
PRESENTING_PREFIX = re.compile(
    r"(?:(?:ok(?:ay)?|yes|yeah|sure|fine|vale|s[ií]|claro|sim|oui|d'accord|ja|okay|ок|окей"
    r"|да|хорошо|ладно|ну|evet|tamam|vâng|dạ|được|好的|好|行|是的|はい|네|예)[,.!，。、]?\s*)?"
    r"(?:(?:here(?:'s|\s+it\s+is|\s+you\s+go)?|it'?s|it\s+is|this\s+is|that'?s"
    r"|es|aqu[ií](?:\s+est[aá])?|é|aqui|c'est|voici|voilà|es\s+ist|hier(?:\s+ist\s+er)?"
    r"|ist|è|ecco(?:l[oai])?|le\s+voici"
    r"|вот(?:\s+он)?|это|şu|işte|đây|là|是|就是|这是|です)\s*)?"
    # "agora é …", "das neue ist …", "the new one is …" (holdout8 secrets suite: after "I changed
    # my password yesterday" the new one was stored in clear).
    r"(?:(?:now|agora|ahora|jetzt|adesso|ora|maintenant|теперь|şimdi|giờ|现在)\s+"
    r"(?:it'?s|is|é|es|ist|è|c'est|est|это|là|是)\s*"
    r"|(?:the\s+)?new\s+(?:one\s+)?is\s*|(?:das|der|die)\s+neue\s+ist\s*"
    r"|(?:la|a)\s+(?:nueva|nova|nuova)\s+(?:es|é|è)\s*|le\s+nouveau\s+(?:est|c'est)\s*"
    r"|новый\s*(?:[-—–:]\s*)?|yenisi\s*)?[:=：-]?",
    re.IGNORECASE)
_LONGEST_PREFIX = 24


def presented_alone(text: str, start: int) -> bool:
    if start > 2 * _LONGEST_PREFIX:
        return False
    prefix = text[:start].strip().rstrip(_QUOTES).rstrip()  # 'agora é "casaverde22"'
    return len(prefix) <= _LONGEST_PREFIX and PRESENTING_PREFIX.fullmatch(prefix) is not None


# The value alone, quoted or in the user's own script, and a copula after it: '"고양이천국"
# 이에요', "はい、ひまわり77です" (holdout9 secrets suite, after "do you need my password?").
_COPULA_END = r"\s*(?:です|이에요|예요|입니다|이야|요)?\s*[.。!！]*\s*$"
_QUOTED_ALONE = re.compile(
    r"[\"'“‘«「『]([^\s\"'“”‘’«»「」『』]{2,40})[\"'”’»」』]" + _COPULA_END)
_OWN_SCRIPT_ALONE = re.compile(
    r"([\u3040-\u30ff\uac00-\ud7af]{1,12}[0-9!@#$%^&*_.\-]{2,})" + _COPULA_END)


def _alone_with_copula(text: str) -> list[Found]:
    for pattern in (_QUOTED_ALONE, _OWN_SCRIPT_ALONE):
        match = pattern.search(text)
        if match and _acceptable(match.group(1)) and presented_alone(text, match.start(1)):
            return [Found(*match.span(1), PASSWORD)]
    return []


def password_alone(text: str) -> list[Found]:
    found = _alone_with_copula(text)
    if found:
        return found
    for match in re.finditer(r"\S+", text[:_LONGEST_PREFIX + 64]):
        raw = match.group(0)
        unquoted = raw.lstrip(_QUOTES)
        start = match.start() + len(raw) - len(unquoted)
        token = unquoted.rstrip(_TRAILING)
        if _ADDRESS_LIKE.match(token) or _NOT_LONE_PASSWORD.search(token):
            continue
        # A plain word counts only as the whole message ("letmein"), and not a common one
        # ("thanks", "binance").
        alone = text.strip().rstrip(_TRAILING) == token
        if (strictly_shaped(token) or (alone and _plain_word(token) and len(token) >= 6
                                       and not common_word(token))) and (
                presented_alone(text, start)):
            found.append(Found(start, start + len(token), PASSWORD))
    return found


# Addresses a trader sends as they are (0.11.14 trial: a TRON address after "I need to
# reset my password" was redacted as one): base58 of an address's length and first
# letter, bech32, 0x and 40 hex.
_ADDRESS_LIKE = re.compile(
    r"^(?:[13TLMD][1-9A-HJ-NP-Za-km-z]{25,34}|(?:bc|ltc|tb)1[02-9ac-hj-np-z]{8,87}"
    r"|0x[0-9a-fA-F]{40})$")
