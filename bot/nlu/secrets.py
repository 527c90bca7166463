"""Find pasted secrets and redact them before anything else sees the text.

Only the redacted text goes downstream: embeddings, logs, storage, transcripts. We err on
the side of redacting: hiding a harmless string costs an agent a question, while storing a
seed phrase in clear text can cost a user everything.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.nlu.base58 import decode_check

SEED_PHRASE = "seed_phrase"
PRIVATE_KEY = "private_key"
API_SECRET = "api_secret"
PASSWORD = "password"
OTP_CODE = "otp_code"
SECRET_KINDS = (SEED_PHRASE, PRIVATE_KEY, API_SECRET, PASSWORD, OTP_CODE)

_SPACE_SEPARATED_WORDLISTS = (
    "english", "spanish", "french", "italian", "portuguese", "czech", "turkish", "russian",
    "korean", "japanese",
)
_HAN_WORDLISTS = ("chinese_simplified", "chinese_traditional")

# Words that tell us the user is talking about a seed phrase, so a shorter run counts.
_SEED_CONTEXT = re.compile(
    r"seed|mnemonic|recovery phrase|secret phrase|12 words|24 words|助记词|助記詞|种子|種子|"
    r"シード|リカバリーフレーズ|복구 ?구문|시드|니모닉|frase semilla|semilla|frase de recupera|"
    r"phrase de récupération|mnémonique|wiederherstellungsphrase|сид|мнемони|фраз[аы] восстановл|"
    r"kurtarma ifadesi|tohum|cụm từ khôi phục|từ khóa bí mật|frase di recupero",
    re.IGNORECASE,
)
_KEY_CONTEXT = re.compile(
    r"private ?key|priv ?key|secret ?key|\bpk\b|私钥|私鑰|秘密鍵|개인 ?키|프라이빗 ?키|"
    r"clave privada|chave privada|chiave privata|clé privée|privater? schlüssel|"
    r"приватн\w* ключ|закрыт\w* ключ|özel anahtar|khóa riêng|khoá riêng|khóa bí mật",
    re.IGNORECASE,
)
_HEX64 = re.compile(r"\b(?:0x)?[0-9a-fA-F]{64}\b")
_WIF = re.compile(r"\b[5KL9c][1-9A-HJ-NP-Za-km-z]{50,51}\b")
_EXTENDED_KEY = re.compile(r"\b[xyzt]prv[1-9A-HJ-NP-Za-km-z]{100,}\b")
_API_SECRET = re.compile(
    r"(?:api[ _-]?secret|secret[ _-]?key|apisecret|api[ _-]?key[ _-]?secret|client[ _-]?secret|"
    r"密钥|密鑰|シークレット(?:キー)?|시크릿 ?키|секретн\w* ключ|secret)"
    r"\s*(?:is|:|=|是|は|는|-)?\s*[\"']?([A-Za-z0-9+/=_\-]{16,})",
    re.IGNORECASE,
)
_PASSWORD = re.compile(
    r"(?:\bpass(?:word|wd)?|\bpwd|\bpw|密码|密碼|口令|パスワード|パス|비밀번호|비번|contraseña|contrasena|"
    r"senha|mot de passe|mdp|passwort|kennwort|пароль|şifre(?:m)?|sifre(?:m)?|parola|"
    r"mật khẩu|mat khau|\bmk\b)"
    r"\s*(?:is|was|:|=|-|是|为|為|は|는|은|es|era|é|est|ist|lautet|è|là|la)\s*"
    r"[\"'“「]?([^\s\"'”」,，。]{4,64})",
    re.IGNORECASE,
)
# Words people put after "my password is" that are not the password.
_NOT_A_PASSWORD = frozenset(
    "correct wrong right incorrect fine ok okay not invalid expired changed reset same new "
    "old too very strong weak long short saved blocked locked gone lost stolen leaked "
    "definitely definitively really still also already being there this that".split()
)
_OTP = re.compile(
    r"(?:2fa|two[- ]factor|otp|authenticator|google auth\w*|g2fa|sms code|code|验证码|驗證碼|"
    r"谷歌验证码?|认证码|認証コード|確認コード|인증 ?번호|인증 ?코드|otp ?코드|código|codigo|"
    r"код|kod|codice|mã xác (?:thực|minh)|ma xac thuc|mã|ma otp)"
    r"\D{0,24}?(?<!\d)(\d{6,8})(?!\d)",
    re.IGNORECASE,
)
# Letters plus combining accents: BIP39 phrases are often pasted in NFKD form.
# A message about a password that carries a password-shaped token ("it's definitely
# Moonboy#2291"): letters and digits plus a symbol or mixed case, not a hash or address.
_PASSWORD_TOPIC = re.compile(
    r"pass(?:word|wd)?|pwd|密码|密碼|パスワード|비밀번호|비번|contraseña|senha|mot de passe|"
    r"passwort|kennwort|пароль|şifre|sifre|parola|mật khẩu|mat khau", re.IGNORECASE)
_TOKEN = re.compile(r"(?<![\w@/.:#-])[^\s\"'“”「」,，。]{6,32}(?![\w@/])")
_LETTERS = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")


@dataclass(frozen=True)
class SecretScan:
    redacted_text: str
    kinds: tuple[str, ...]

    @property
    def found(self) -> bool:
        return bool(self.kinds)


@lru_cache(maxsize=1)
def _wordlists() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    import mnemonic  # the official BIP39 wordlists ship with it

    folder = Path(mnemonic.__file__).parent / "wordlist"
    spaced = {
        name: frozenset(_fold(w) for w in (folder / f"{name}.txt").read_text("utf-8").split())
        for name in _SPACE_SEPARATED_WORDLISTS
    }
    han = frozenset(
        char
        for name in _HAN_WORDLISTS
        for char in (folder / f"{name}.txt").read_text("utf-8").split()
    )
    return spaced, han


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKD", word.lower())


class SecretScanner:
    def scan(self, text: str) -> SecretScan:
        spans: list[tuple[int, int, str]] = []
        spans += self._seed_phrases(text)
        spans += self._private_keys(text)
        spans += [(m.start(1), m.end(1), API_SECRET) for m in _API_SECRET.finditer(text)]
        spans += [
            (m.start(1), m.end(1), PASSWORD)
            for m in _PASSWORD.finditer(text)
            if _looks_like_password(m.group(1))
        ]
        spans += [(m.start(1), m.end(1), OTP_CODE) for m in _OTP.finditer(text)]
        if _PASSWORD_TOPIC.search(text):
            spans += [(m.start(), m.end(), PASSWORD) for m in _TOKEN.finditer(text)
                      if _password_shaped(m.group(0))]
        if not spans:
            return SecretScan(text, ())
        return SecretScan(_redact(text, spans), tuple(sorted({kind for *_, kind in spans})))

    def _seed_phrases(self, text: str) -> list[tuple[int, int, str]]:
        spaced, han = _wordlists()
        context = bool(_SEED_CONTEXT.search(text))
        minimum = 8 if context else 12
        found: list[tuple[int, int, str]] = []
        words = list(_LETTERS.finditer(text))
        for wordlist in spaced.values():
            found += _runs(words, text, wordlist, minimum)
        found += _han_runs(text, han, minimum, context)
        return found

    @staticmethod
    def _private_keys(text: str) -> list[tuple[int, int, str]]:
        found = []
        for match in _HEX64.finditer(text):
            # A bare 64-hex string is usually a transaction hash; it is a key when the
            # user says so nearby.
            window = text[max(0, match.start() - 60): match.start()]
            if _KEY_CONTEXT.search(window):
                found.append((match.start(), match.end(), PRIVATE_KEY))
        for pattern in (_WIF, _EXTENDED_KEY):
            for match in pattern.finditer(text):
                if decode_check(match.group(0)) is not None:
                    found.append((match.start(), match.end(), PRIVATE_KEY))
        return found


def _password_shaped(token: str) -> bool:
    token = token.rstrip(".!?;:)")
    if token.lower().startswith(("0x", "http", "www")) or "@" in token or "[REDACTED" in token:
        return False
    letters = any(c.isalpha() for c in token)
    digits = any(c.isdigit() for c in token)
    symbols = any(c in "!#$%^&*+=?~<>|\\/" for c in token)
    mixed = any(c.islower() for c in token) and any(c.isupper() for c in token)
    return letters and digits and (symbols or mixed)


def _looks_like_password(candidate: str) -> bool:
    if candidate.lower() in _NOT_A_PASSWORD:
        return False
    has_digit_or_symbol = any(not c.isalpha() for c in candidate)
    mixed_case = candidate[1:] != candidate[1:].lower()
    # A plain lowercase word may still be the password ("my password is sunshine"): keep
    # it when it is the last thing said, the way people paste a password.
    return has_digit_or_symbol or mixed_case or len(candidate) >= 6


def _runs(
    words: list[re.Match[str]], text: str, wordlist: frozenset[str], minimum: int
) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    run: list[re.Match[str]] = []
    for match in words:
        joined = not run or _only_separators(text[run[-1].end(): match.start()])
        if _fold(match.group(0)) in wordlist and joined:
            run.append(match)
            continue
        if len(run) >= minimum:
            found.append((run[0].start(), run[-1].end(), SEED_PHRASE))
        run = [match] if _fold(match.group(0)) in wordlist else []
    if len(run) >= minimum:
        found.append((run[0].start(), run[-1].end(), SEED_PHRASE))
    return found


def _only_separators(gap: str) -> bool:
    # Spaces, commas, line breaks and numbering ("1. abandon 2. ability") join seed words.
    return len(gap) <= 8 and all(c.isspace() or c in ",.;:-)(#\u3000、，" or c.isdigit()
                                 for c in gap)


def _han_runs(text: str, han: frozenset[str], minimum: int, context: bool) -> list[
    tuple[int, int, str]
]:
    found = []
    # Space-separated single characters ("绕 尽 打 弟 ...") are a seed whatever is around.
    spaced = re.compile(
        r"(?<![\u4e00-\u9fff])(?:[\u4e00-\u9fff][\s,，、\u3000]+){"
        + str(minimum - 1)
        + r",}[\u4e00-\u9fff](?![\u4e00-\u9fff])"
    )
    for match in spaced.finditer(text):
        chars = [c for c in match.group(0) if "\u4e00" <= c <= "\u9fff"]
        if all(c in han for c in chars):
            found.append((match.start(), match.end(), SEED_PHRASE))
    if context:
        # Written solid, a seed is the run of wordlist characters right after the user
        # names it ("我的助记词是绕尽打弟...").
        for named in _SEED_CONTEXT.finditer(text):
            start = named.end()
            while start < len(text) and text[start] in " 是为為:：,，\u3000":
                start += 1
            end = start
            while end < len(text) and text[end] in han:
                end += 1
            # Only a seed's length, standing alone, after "is"/":" counts: "助记词被别人
            # 拿走了" is a sentence about a seed, not the seed.
            separated = start > named.end()
            bounded = end == len(text) or not "\u4e00" <= text[end] <= "\u9fff"
            if separated and bounded and end - start in (12, 15, 18, 21, 24):
                found.append((start, end, SEED_PHRASE))
    return found


def _redact(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace each span (overlaps merged, first kind kept) by a marker naming the kind."""
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans):
        if merged and start <= merged[-1][1]:
            first_start, first_end, first_kind = merged[-1]
            merged[-1] = (first_start, max(first_end, end), first_kind)
        else:
            merged.append((start, end, kind))
    out, cursor = [], 0
    for start, end, kind in merged:
        out.append(text[cursor:start])
        out.append(f"[REDACTED:{kind}]")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
