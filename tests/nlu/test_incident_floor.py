"""The rule under the incident detector (bot.nlu.incidents.floor): plain statements of a
takeover or of a secret handed over, and the refusals that must not read as one."""

import pytest

from bot.config import SafetySettings
from bot.nlu.chinese_script import one_script
from bot.nlu.folding import fold
from bot.nlu.incidents import (
    GAVE_AWAY,
    TAKEOVER,
    awaited_own_transfer,
    cue_patterns,
    cues_present,
    floor,
)


@pytest.mark.parametrize("text,kind", [
    ("that withdrawal was not me", TAKEOVER),
    ("i gave my seed phrase to someone from support", GAVE_AWAY),
    # Someone else acting on the account (0.11.19: a retrained detector gave the first
    # 0.39, under the cut; "withdrew" is no "withdraw*").
    ("someone withdrew my 2 ETH, it never arrived in my wallet", TAKEOVER),
    ("Кто-то вывел все деньги с моего аккаунта", TAKEOVER),
    ("有人登录了我的账号，还改了密码", TAKEOVER),
    ("alguien retiró mis USDT anoche", TAKEOVER),
    ("誰かが出金した形跡がある", TAKEOVER),
    # "Not me" written around "it was me" (不是我 holds 是我, "no fui yo" holds "fui yo",
    # "war ich nicht" holds "war ich"): read as both, the rule never fired on them (0.11.21).
    ("我的账户刚才有一笔提币，不是我操作的", TAKEOVER),
    ("账号被登录了，非本人操作", TAKEOVER),
    ("retiraron 0.5 BTC de mi cuenta anoche, no fui yo", TAKEOVER),
    ("Auszahlung von 2 ETH heute Nacht, das war ich nicht", TAKEOVER),
    ("saque de 300 USDT agora há pouco, não fui eu", TAKEOVER),
    ("这笔提币不是我自己本人操作的", TAKEOVER),
    ("Alguien retiró todo mi saldo, no fui yo, ¿por qué a mí?", TAKEOVER),
    # A refusal of the user's own beside a stranger's act (the review of 0.11.21).
    ("Me vaciaron la cuenta, alguien retiró 2 BTC. No hice click en ningún enlace", TAKEOVER),
    # A "was me" the words after it deny (0.11.22: 55 takeovers of eval_data were read as
    # "it was me", so the rule could not fire): Korean and Chinese right after it,
    # Japanese at the verb's end; Italian and German denials as phrases.
    ("출금 내역에 0.5 BTC 있는데 이거 제가 한 거 아님", TAKEOVER),
    ("이메일 주소가 변경됐다는 메일이 왔어요. 제가 바꾼 적 없는데 이거 해킹인가요", TAKEOVER),
    ("提币白名单里多了个地址 我自己从来没加过", TAKEOVER),
    ("收到email話我個綁定電郵已經改咗，我自己冇改過", TAKEOVER),
    ("出金履歴に知らない送金がある、自分で出金してない", TAKEOVER),
    ("Mi è arrivata la conferma di un nuovo indirizzo di prelievo. Non l'ho aggiunto io", TAKEOVER),
    ("hab ne mail bekommen dass mein passwort geändert wurde. war ich nich", TAKEOVER),
    # Only the exchange's acts are excluded from "I didn't ask for": a change stays one.
    ("I didn't ask for my password to be changed, and now there's a withdrawal", TAKEOVER),
])
def test_plain_incidents(text, kind):
    assert floor(text) == kind


@pytest.mark.parametrize("text", [
    # Seventh round's false P1s: "told him" was read as handing the seed over.
    "some guy in a telegram group dm'd me asking for my seed phrase to 'validate' my wallet. "
    "told him to get lost. just fyi so you can warn people",
    "someone in a discord server asked for my seed phrase. told him no lol",
    "how do i know if someone has my seed phrase?",
    # Someone else's action asked about, or the user's own.
    "what happens if someone logged into my account with my password?",
    "the new-device login was me, nobody else; I thought someone logged in but no",
])
def test_refusals_and_questions_are_no_incident(text):
    assert floor(text) is None


@pytest.mark.parametrize("text", [
    # The review of 0.11.21: notices quoted, "not yet", "it was me" beside a later "我没".
    "I reset my password yesterday and got the email 'If you did not request this change, "
    "contact support'. All good, just FYI",
    "我刚换了新手机登录，收到短信说如非本人操作请立即修改密码，没事吧",
    "Todavía no solicité el retiro, primero quiero ver mi saldo",
    "那笔提现是我提的，但我没有收到",
    "新设备登录那是我没错，我在出差",
    "Lần đăng nhập đó là tôi không phải hacker",
    "那次登录是我操作的，没问题",
    "那个新设备登录是我自己，换了手机",
    # 0.11.22: the exchange's own act the trader did not want is no "not me"; Italian
    # puts the object pronoun first ("l'ho aggiunto io", spent suite 20).
    "I didn't ask for my withdrawal to be cancelled, why did you do that?",
    "I did not ask for my account to be locked, I just changed my e-mail",
    "l'indirizzo nuovo in whitelist l'ho aggiunto io ieri, nessun accesso strano",
    # ... but not a negation that belongs to something else, or "no mistake".
    "那笔提现是我提的还没到账，新设备登录",
    "이메일 바꾼거 제가 한거에요 해킹 아님. 근데 출금이 24시간 막혔어요",
    "上周换了手机号，是我自己换的没问题，新设备登录也是",
    "パスワード変更のメールが来たけど自分で変えたので問題ないです",
    # A Turkish question keeps its particle ("mı?"), and stays a question.
    "hesabımdan çekim yapılmış, ben mi yaptım acaba? hatırlamıyorum mı?",
])
def test_was_me_and_questions_still_hold_the_rule(text):
    assert floor(text) is None


def test_spanish_my_and_chinese_but_i_are_no_cues():
    from bot.nlu.folding import fold
    from bot.nlu.incidents import cue_patterns, cues_present

    patterns = cue_patterns()
    assert not cues_present(fold("alguien entró en mi cuenta"), patterns)["question"]
    assert not cues_present(fold("可是我今天根本没有登录过"), patterns)["was_me"]
    assert cues_present(fold("hacklendim mi?"), patterns)["question"]


@pytest.mark.parametrize("text", [
    # holdout22 (0.11.23): Vietnamese "có … đâu" (not at all), also after a "là em"; formal
    # Korean 아닙니다; Japanese in romaji; "asleep at the time".
    "hình như tk bị hụt xíu, thiếu 2 ETH, em nhớ là em có rút đâu",
    "tài khoản mất 2 ETH, tôi có rút tiền đâu",
    "어제 새벽에 제 계정에서 이더 3개 출금된 건 제가 한 게 아닙니다",
    "kyou login dekinai, password kawatteru. jibun de kaete nai",
    "昨日の夜中3時に0.8BTCの出金ありましたけど、その時間寝てました",
])
def test_denials_of_holdout22_are_not_me(text):
    assert floor(text) == TAKEOVER


@pytest.mark.parametrize("text", [
    "em nhớ là em có rút 2 ETH hôm qua mà chưa thấy",  # "có rút" without đâu: I did
    "sao tài khoản em bị đóng băng vậy?? em có làm gì đâu",  # "I did nothing wrong"
    "¿Se vendió mi BTC mientras dormía? era mi stop-loss",  # asleep, not "at the time"
])
def test_what_is_no_denial_of_the_account_event(text):
    assert floor(text) is None


@pytest.mark.parametrize("text,kind", [
    # holdout23 (0.11.24): もし ("if") inside 何もしてない ("I did nothing") was read as a
    # question, which vetoes the rule, in every Japanese "I did nothing" (31 takeovers of
    # the labelled texts); a mother's "did nothing"; "non l'ho mai tolta"; a mnemonic
    # sent to a "recovery company".
    ("残高消えた。何もしてない", TAKEOVER),
    ("さっきから出金通知が何件も母のスマホに来てて、母は何もしてないって言ってます", TAKEOVER),
    ("L'autenticazione a due fattori risulta disattivata, io non l'ho mai tolta, e mi è "
     "arrivato un avviso di nuovo dispositivo", TAKEOVER),
    ("코인 복구해준다는 업체한테 니모닉 12단어 보냈어요", GAVE_AWAY),
])
def test_cues_of_holdout23_hold_the_rule(text, kind):
    assert floor(text) == kind


@pytest.mark.parametrize("text", [
    "thông báo đăng nhập thiết bị mới là của em nhé",  # đăng nhập (log in) holds nhập
    "il voulait mes 24 mots. Je l'ai envoyé balader",  # told him to get lost
    "認証コード教えてって言われたから無視してブロックした",  # was asked to tell, ignored
])
def test_words_that_only_hold_a_handing_over_verb_are_no_hand_over(text):
    assert not cues_present(fold(text), cue_patterns())["gave"]
    assert floor(text) is None


def test_vietnamese_it_is_mine_is_a_was_me_only_of_an_event():
    # "là của em nhé" of a new device's login is the trader's own; "tài khoản này là của
    # em" (this account is mine) beside someone withdrawing is a takeover (the final read
    # of 0.11.24: a bare "là của em" vetoed the rule for such a message).
    patterns = cue_patterns()
    assert cues_present(fold("thông báo đăng nhập thiết bị mới là của em nhé"), patterns)[
        "was_me"]
    assert floor("tài khoản này là của em, sáng nay có người rút hết 2000 usdt") == TAKEOVER
    assert floor("acc la cua minh ma sang nay bi rut het btc, minh khong rut") == TAKEOVER


@pytest.mark.parametrize("text,kind", [
    # holdout25 (0.11.25): a Russian "not me" with a pronoun inside ("я его не делал", "I
    # didn't make it"), a hiragana "not me", a German "sold nothing", a Korean code read
    # out over the phone (불러줬).
    ("в истории перевод 200 USDT, я его не делал", TAKEOVER),
    ("出金されてる、じぶんじゃない", TAKEOVER),
    ("Mein Guthaben ist weg, ich hab nichts verkauft", TAKEOVER),
    ("은행 직원이라는 사람한테 인증번호 6자리 불러줬어요", GAVE_AWAY),
    # Turkish inflects the account's events (0.11.26): "çekimi" (the withdrawal, object),
    # "girişi" (the login), "bakiyem" (my balance) are "çekim", "giriş", "bakiye".
    ("ÇEKİMİ İPTAL EDİN benim değil 0.5 BTC beklemede", TAKEOVER),
    ("Vietnamdan bu girisi ben YAPMADIM ve simdi USDTlerim yok", TAKEOVER),
    ("bakiyem sıfır ve ben hiçbir şey yapmadım", TAKEOVER),
    # Vietnamese chats write "không" as "ko" (0.11.27): "em ko rút" is "I didn't withdraw".
    ("em ko rút khoản này, tk bị hack rồi", TAKEOVER),
    ("USDT trong tài khoản bị rút hết ra 1 ví lạ mạng BEP20, em ko hề rút", TAKEOVER),
    # Italian "non sono io" (it's not me) and the Chinese surprise 怎么多了 ("how come
    # there's one more"), no how-to question (holdout31).
    ("prelievo 0.2 btc, non sono io", TAKEOVER),
    ("我没下单 怎么多了一堆交易", TAKEOVER),
    # An account "bloqué" is not the scammer blocked: no refusal (holdout31).
    ("reçu un mail mot de passe modifié, c'était pas moi, je suis bloqué dehors", TAKEOVER),
])
def test_cues_of_recent_suites_hold_the_rule(text, kind):
    assert floor(text) == kind


@pytest.mark.parametrize("text,category", [
    # Folded, Vietnamese "mà" (but), Italian "ma" (but) and French "ma" (my) were the
    # Vietnamese "mã" (code), and "khóa tài khoản" (lock the account) the "khóa" (key) of a
    # secret; Spanish "mis" (my), Italian "dei" (of the), "entre" (between) and Vietnamese
    # "cái" (thing) were verbs of handing over (0.11.25).
    ("nạp rồi mà chưa thấy tiền", "secret_object"),
    ("ho dato un'occhiata ma non capisco le commissioni", "secret_object"),
    ("je veux fermer ma position", "secret_object"),
    ("khóa tài khoản giúp em 30 ngày", "secret_object"),
    ("mis USDT siguen en spot", "gave"),
    ("il prezzo dei futures è sceso", "gave"),
    ("la diferencia entre spot y futuros", "gave"),
    ("cái lệnh này bị hủy", "gave"),
    ("cual es la diferencia entre la cuenta de fondos y la de spot", "gave"),
])
def test_words_of_other_languages_are_no_cue(text, category):
    assert not cues_present(fold(text), cue_patterns())[category]


@pytest.mark.parametrize("text,called_off", [
    # An alarm called off in the same message is the `false_alarm` feature (holdout28,
    # 0.11.26); an alarm said not to be false is not.
    ("transfer of 500 USDT I don't recognise... oh wait, it's my sub-account. nvm", True),
    ("vedo un trasferimento che non riconosco... ah è il mio sotto-account, falso allarme",
     True),
    ("думал взломали, а это мой бот. ложная тревога, сорри", True),
    ("知らない注文が入ってた…自分のbotでした。お騒がせしました", True),
    ("not a false alarm this time, the withdrawal really went out and it was not me", False),
    ("это не ложная тревога, вывод реально ушел на чужой адрес", False),
    ("誤報じゃないです、出金ほんとに出てます", False),
    ("someone withdrew 2 BTC from my account and changed my e-mail", False),
    # Called off in more words (holdout33, 0.11.28): "alles gut, sorry", 해결됨, "bi an
    # korktum" (I was scared for a moment), "ko có gì đâu" (it's nothing) ...
    ("0,5 ETH fehlten, war aber mein Sparplan. Alles gut, sorry", True),
    ("모르는 로그인인 줄 알았는데 제 태블릿이었어요 해결됨", True),
    ("yeni cihaz maili geldi bi an korktum, tabletimmiş", True),
    ("thấy lệnh rút lạ, hóa ra ví phụ của mình, ko có gì đâu", True),
    # ... but not a ticket "shown as resolved" or "it's probably nothing, but".
    ("ticket hiện 해결됨으로 나오는데 또 출금됐어요", False),
    ("chắc ko có gì đâu nhưng có phiên đăng nhập lạ lúc 3h sáng", False),
])
def test_an_alarm_called_off_in_the_same_message(text, called_off):
    assert cues_present(fold(text), cue_patterns())["false_alarm"] is called_off


@pytest.mark.parametrize("text", [
    # The Vietnamese "ko" also writes refusals ("em ko bấm"), tag questions ("đúng ko") and
    # denials of a hack ("em ko bị hack"); a sentence-final "ko" is a question, not "not me"
    # (0.11.27).
    "nhận sms báo tk bị khóa kèm link, em ko bấm, lừa đảo đúng ko",
    "em ko bi hack dau, chi la quen mat khau thoi, reset sao a",
    "nv hỗ trợ có xem dc mật khẩu của mình ko",
    "có người bảo cài UltraViewer để xử lý lỗi rút tiền, em ko cài",
    # A notice's "if it wasn't you" quoted beside "it was me"; a hypothetical "one day";
    # the scammer blocked (holdout30).
    "la mail dice di contattarvi se non ero io, ma ero io. chiave API per il bot",
    "si algún día me llega un mail de reset de contraseña que no pedí, qué hago?",
    "un mec voulait mon code 2FA, je l'ai signalé et bloqué",
    "jemand auf discord wollte meine seed phrase, hab nix gegeben und blockiert",
    "пришло письмо со ссылкой на сброс пароля, я не запрашивал, но ссылку не открывал",
    # "我沒有點" is "I didn't click" written in full (0.11.27).
    "收到一封信說我的帳戶要被停用，要我點連結登入驗證，我沒有點，想確認是不是釣魚信",
])
def test_vietnamese_ko_refusals_and_quoted_notices_are_no_incident(text):
    assert floor(text) is None


def test_a_fee_to_unlock_the_account_names_a_scammer():
    """The exchange charges no fee to unblock an account: whoever asks one is a scammer
    (holdout31: 'frais de déblocage', 'tassa di sblocco')."""
    patterns = cue_patterns()
    for text in ("l'agent m'a dit de payer 500 USDT de frais de déblocage",
                 "mi ha chiesto 300 USDT di tassa di sblocco per riattivare l'account",
                 "paid a 200 USDT unlock fee to the support agent",
                 "заплатил 1500 USDT за разблокировку",
                 "对方让我先交解冻费"):
        assert cues_present(fold(text), patterns)["someone"], text


def test_the_vietnamese_code_and_key_are_still_secrets():
    patterns = cue_patterns()
    for text in ("em đọc mã OTP cho nó rồi", "gửi mã xác nhận cho người lạ",
                 "lộ khóa riêng tư ví rồi", "nó xin mã 2FA của em"):
        assert cues_present(fold(text), patterns)["secret_object"], text


@pytest.mark.parametrize("text,elsewhere", [
    # A loss on another platform, or of someone with no account here, is the `elsewhere`
    # feature (holdout33, 0.11.28: six of thirteen false pages were a friend's or a
    # cousin's loss on another platform). A feature only: the model weighs it.
    ("my brother got scammed on another exchange, how do I warn him next time", True),
    ("mein Nachbar hat gar kein Konto bei euch, aber seine Coins auf einer anderen Börse "
     "sind weg", True),
    ("мою подругу обманули на другой бирже, как ей помочь", True),
    ("朋友在别的平台被骗了，你们有防骗指南吗", True),
    ("anh trai mình bị lừa trên sàn khác", True),
    ("someone withdrew 2 BTC from my account here and changed my e-mail", False),
    ("alguien entró a mi cuenta y sacó todo el USDT", False),
])
def test_a_loss_elsewhere_is_a_feature(text, elsewhere):
    assert cues_present(fold(text), cue_patterns())["elsewhere"] is elsewhere


@pytest.mark.parametrize("text,kind", [
    # "A number that isn't mine" on the account, with the phone number named in the
    # trader's language (holdout33: "o celular cadastrado ... é um número que não é meu").
    ("o número de celular da conta agora é um número que não é meu", TAKEOVER),
    ("the phone number on my profile is a number that isn't mine now", TAKEOVER),
    ("в профиле теперь чужой номер телефона", TAKEOVER),
])
def test_a_number_that_is_not_mine_holds_the_rule(text, kind):
    assert floor(text) == kind


@pytest.mark.parametrize("text", [
    # "It was me who moved it" said after the scare (holdout33): no "not me" is left.
    "모르는 출금인 줄 알았는데 제가 서브계정으로 옮긴 거였어요",
    "2 BTC weg, dann gesehen: hab sie selbst ins Margin-Konto übertragen",
])
def test_it_turned_out_i_moved_it_myself(text):
    assert cues_present(fold(text), cue_patterns())["was_me"]
    assert floor(text) is None


@pytest.mark.parametrize("text,kind", [
    # holdout34 (0.11.28): an unauthorised withdrawal named in Romance languages, an API
    # key "trading by itself", a Japanese message typed in hiragana only.
    ("retiro no autorizado de 300 USDT, bloqueen todo", TAKEOVER),
    ("retrait non autorisé de 0,3 BTC à l'instant", TAKEOVER),
    ("my api key is trading by itself, the bot is switched off", TAKEOVER),
    ("しゅっきんされてる、なにもしてないのに", TAKEOVER),
    # ... but an API's "IP not authorised" error, an order cancelled "by itself" and
    # "I don't understand" (em không hiểu) are no "not me".
    ("la mia chiave API dà errore IP non autorizzato", None),
    ("my stop order got cancelled by itself, why?", None),
    ("em không hiểu sao số dư futures về 0, hóa ra bị thanh lý", None),
])
def test_cues_of_suite_34(text, kind):
    assert floor(text) == kind


def test_words_of_suite_34_that_lower_the_score():
    """Features, not vetoes: a past incident closed, a Vietnamese hypothetical, a phishing
    text not clicked (holdout34)."""
    patterns = cue_patterns()
    assert cues_present(fold("in May someone got into my account; support froze it and I "
                             "got everything back"), patterns)["false_alarm"]
    assert cues_present(fold("nếu sau này bị hack thì khóa tài khoản kiểu gì"),
                        patterns)["question"]
    assert cues_present(fold("nhận sms lạ có link, em chưa bấm"), patterns)["refused"]


@pytest.mark.parametrize("text,not_me", [
    # "Ko … được" is an inability ("I can't withdraw"), not a denial (0.11.28); "em ko
    # rút" alone still is one.
    ("em ko rút được tiền, app báo lỗi", False),
    ("mình ko đăng nhập app được vì mất điện thoại", False),
    ("em ko rút, tk bị hack rồi", True),
])
def test_vietnamese_cannot_is_no_denial(text, not_me):
    assert cues_present(fold(text), cue_patterns())["not_me"] is not_me


@pytest.mark.parametrize("text,not_me", [
    # Vietnamese "ko/không … được | nữa | hiểu" deny nothing, whichever pronoun and
    # spelling (a rule since 0.11.29; 0.11.28 listed 78 phrases): "I can't get in any
    # more", "I don't use the old number any more", "I don't understand".
    ("tài khoản bị chiếm, đổi hết rồi tôi không vào lại được", False),
    ("em muốn đổi số điện thoại, số cũ em ko dùng nữa", False),
    ("tôi không hiểu sao số dư thay đổi", False),
    # The word in another clause leaves the denial standing.
    ("em ko rút, sao tiền bị rút được?", True),
    ("tôi không hề rút tiền nhưng giờ không đăng nhập được", True),
])
def test_vietnamese_negations_that_deny_nothing(text, not_me):
    assert cues_present(fold(text), cue_patterns())["not_me"] is not_me


@pytest.mark.parametrize("text,kind", [
    # holdout35: Korean "never did" (…한 적 없어요) with the account's words in Korean,
    # Russian "левый вход" (a login that isn't mine).
    ("비번 변경 완료 메일이 왔는데 저 비번 바꾼 적 없어요", TAKEOVER),
    ("휴대폰 번호가 변경됐다는 문자가 왔는데 저는 변경한 적 없어요", TAKEOVER),
    ("левый вход, почта сменена, SOS", TAKEOVER),
    # A pasted Korean notice's "본인이 아닌 경우" (if it wasn't you) and a German "the old
    # number I don't have any more" deny nobody's act.
    ("[거래소] 새로운 기기에서 로그인되었습니다. 본인이 아닌 경우 즉시 비밀번호를 변경하세요.\n"
     "ㄴ 이거 저 맞아요 폰 새로 사서 로그인한 거", None),
    ("Handynummer ändern geht nur mit der alten Nummer? Die hab ich nicht mehr", None),
])
def test_cues_of_suite_35(text, kind):
    assert floor(text) == kind


@pytest.mark.parametrize("text,kind", [
    # holdout36: emergencies typed in Latin letters — pinyin, romanised Korean, Russian
    # transliterated — and a French account "se fait vider" (being emptied) now.
    ("zhanghu yu e bian 0 le, wo mei ti xian, tibi jilu li you yi bi 18000 TRX", TAKEOVER),
    ("gang bei ren denglu le, youxiang yijing genggai, bu shi wo gai de", TAKEOVER),
    ("akk uvodyat, srochno", TAKEOVER),
    ("urgent, mon compte se fait vider en direct, 3 retraits XRP", TAKEOVER),
    ("co thiet bi la dang nhap vao tk, ko phai minh", TAKEOVER),
])
def test_romanised_emergencies_hold_the_rule(text, kind):
    assert floor(text) == kind


def test_romanised_words_are_features():
    patterns = cue_patterns()
    korean = cues_present(fold("XRP ga da ppajyeo nagasseoyo, na an haesseoyo"), patterns)
    assert korean["not_me"] and korean["loss"]
    assert cues_present(fold("dareka ga ore no account tsukatteru kamo, katte ni pojishon"),
                        patterns)["not_me"]
    # A son's loss in another app, no account here (holdout36's zh-27 wording, reworded),
    # in Traditional script as the pipeline hands it over: in mainland characters.
    assert cues_present(fold(one_script("我兒子在別的軟件上被騙了，他沒有在你們這裡開戶")),
                        patterns)["elsewhere"]


@pytest.mark.parametrize("text,kind", [
    # holdout37-38 (0.11.30), reworded: French typed without the apostrophe, any ending;
    # Russian "not my withdrawal" and the alibi of a login place; plurals of withdrawals.
    ("ya 3 retraits de SOL cette nuit que jai pas faits", TAKEOVER),
    ("des virements que j'ai jamais faites hier soir", TAKEOVER),
    ("не мой перевод, срочно", TAKEOVER),
    ("вход из Турции, я там не был ни разу", TAKEOVER),
    # What still settles it: the user says it was them.
    ("ya 3 retraits de SOL cette nuit, c'etait moi en fait", None),
])
def test_cues_of_suites_37_and_38(text, kind):
    assert floor(text) == kind


def test_never_seen_is_a_stranger_not_a_transfer_on_its_way():
    # "chưa thấy" alone is a withdrawal not seen yet: the awaited-transfer guard sets the
    # detector's verdict aside. "chưa thấy bao giờ" is an address never seen: it keeps it.
    safety = SafetySettings()
    never_seen = "rut 0.5 ETH ve vi luc 3h sang, dia chi nay em chua thay bao gio"
    not_yet = "em rut 0.5 ETH ve vi tu 3h sang ma van chua thay"
    assert cue_patterns()["stranger"].search(fold(never_seen))
    assert not awaited_own_transfer(never_seen, "withdrawal_delay", 0.99, 0.5, safety)
    assert awaited_own_transfer(not_yet, "withdrawal_delay", 0.99, 0.5, safety)


def test_coins_going_out_is_a_loss():
    assert cues_present(fold("自分の口座から今まさにETHが出ていってます"), cue_patterns())["loss"]
