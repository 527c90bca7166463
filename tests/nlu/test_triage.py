import pytest

from bot.config import TriageSettings
from bot.nlu.entities import EntityExtractor
from bot.nlu.incidents import GAVE_AWAY, TAKEOVER, IncidentJudgement
from bot.nlu.triage import (
    CREDENTIALS_GIVEN_AWAY,
    DISTRESS,
    FREEZE_REQUESTED,
    LARGE_AMOUNT,
    SECURITY_INCIDENT,
    SELF_EXCLUSION,
    TIME_PRESSURE,
    asks_to_freeze,
    triage,
    worth_hurrying,
)

SETTINGS = TriageSettings()
EXTRACT = EntityExtractor()


def run(intent, text, probs=None, secrets=()):
    probs = probs or {intent: 0.9}
    return triage(intent, probs, text, EXTRACT.extract(text), secrets, SETTINGS)


def test_base_urgency_from_the_table():
    assert run("deposit_howto", "how do i deposit").urgency == "P4"
    assert run("deposit_missing", "deposit not arrived").urgency == "P3"
    assert run("reset_2fa", "lost my phone with authenticator").urgency == "P2"
    assert run("request_human", "agent please").urgency == "P3"
    assert run("greet", "hello").urgency == "P4"


def test_raised_one_level_for_distress_amount_or_time():
    assert run("deposit_missing", "WHERE IS MY DEPOSIT, THIS IS RIDICULOUS").urgency == "P2"
    result = run("withdrawal_delay", "提现 2万U 还没到")
    assert result.urgency == "P2" and LARGE_AMOUNT in result.flags
    result = run("order_problem", "order stuck, need it fixed urgente")
    assert result.urgency == "P2" and TIME_PRESSURE in result.flags
    # Several signs still raise once.
    assert run("deposit_missing", "URGENT!!! 50000 USDT deposit missing wtf").urgency == "P2"


def test_conversational_intents_are_not_raised():
    assert run("thanks", "THANK YOU SO MUCH!!!").urgency == "P4"
    assert DISTRESS in run("request_human", "human now!!!").flags
    assert run("request_human", "human now!!!").urgency == "P2"


def test_futures_how_it_works_is_p3():
    assert run("futures_liquidation", "how is the liquidation price calculated?").urgency == "P3"
    assert run("futures_liquidation", "强平价格怎么算").urgency == "P3"
    assert run("futures_liquidation", "I got liquidated, how is that possible?").urgency == "P2"


@pytest.mark.parametrize("text", [
    # Questions as people type them, accents dropped, in each language (0.11.9).
    "como se calcula el precio de liquidacion con x20?",
    "cada cuanto se cobra el funding?",
    "Funding nos perpetuos funciona como? quem paga quem?",
    "c'est quoi le funding et il tombe à quelle heure ?",
    "Wie wird bei Cross Margin eigentlich der Liquidationspreis berechnet?",
    "объясните, по какой цене считается ликвидация",
    "funding ne zaman kesiliyor, kim kime ödüyor?",
    "ogni quanto si paga il funding?",
    "giá thanh lý tính sao vậy ad?",
    "资金费率多久结算一次",
    "ファンディングレートって何時に発生しますか",
    "펀딩비는 언제 나가요?",
])
def test_futures_questions_in_every_language_are_p3(text):
    assert run("futures_liquidation", text).urgency == "P3", text


@pytest.mark.parametrize("text", [
    "ma position short a été liquidée, c'est quoi ce prix mark ?",
    "меня ликвиднуло по марк прайсу, объясните как так",
    "mi hanno chiuso la posizione con uno spike, come funziona il mark price?",
    "đòn bẩy 50x bị cháy, giá đánh dấu là gì vậy",
])
def test_a_liquidation_that_happened_stays_p2_even_when_asked_as_a_question(text):
    assert run("futures_liquidation", text).urgency == "P2", text


def test_liquidation_words_count_even_when_the_classifier_guessed_otherwise():
    # The classifier read this as a withdrawal (P3); the words say liquidation (P2), and
    # the distress would raise it, but never into P1: a liquidation is not an incident.
    text = "позицию на 40к USDT ликвидировали за секунду на фитиле!!! верните деньги"
    assert run("withdrawal_delay", text).urgency == "P2"
    assert run("withdrawal_delay", "my withdrawal is late").urgency == "P3"


def test_p1_comes_only_from_an_incident_verdict_or_a_secret():
    takeover = IncidentJudgement(TAKEOVER, 0.9)
    result = triage("api_keys", {"api_keys": 0.9}, "someone places orders with my api key",
                    [], (), SETTINGS, takeover)
    assert result.urgency == "P1" and SECURITY_INCIDENT in result.flags
    gave = IncidentJudgement(GAVE_AWAY, 0.8)
    result = triage("phishing_scam", {"phishing_scam": 0.9}, "le pase mi frase semilla",
                    [], (), SETTINGS, gave)
    assert result.urgency == "P1" and CREDENTIALS_GIVEN_AWAY in result.flags
    assert run("greet", "hello", secrets=("seed_phrase",)).urgency == "P1"


def test_the_incident_verdict_overrides_out_of_scope():
    verdict = IncidentJudgement(TAKEOVER, 0.7)
    result = triage("out_of_scope", {"out_of_scope": 0.4}, "wtf my coins", [], (), SETTINGS,
                    verdict, out_of_scope=True)
    assert result.urgency == "P1"


def test_without_an_incident_nothing_is_p1():
    # Asking whether one was hacked, naming a scam, anger, big money, hurry: at most P2.
    assert run("account_hacked", "how do i know if my account was hacked?").urgency == "P2"
    assert run("withdrawal_delay", "THIEVES!!! 30k USDT withdrawal stuck, estafa, urgente"
               ).urgency == "P2"
    probs = {"login_problem": 0.6, "account_hacked": 0.3}
    assert run("login_problem", "cant get in", probs).urgency == "P2"


def test_out_of_scope_gets_its_own_urgency_not_the_top_guess():
    probs = {"withdrawal_delay": 0.3, "out_of_scope": 0.2}
    result = triage("withdrawal_delay", probs, "will eth hit 5000 by friday", [], (),
                    SETTINGS, None, out_of_scope=True)
    assert result.urgency == "P4"


def test_portuguese_agora_alone_is_not_time_pressure():
    assert TIME_PRESSURE not in run("deposit_howto", "como deposito agora").flags
    assert TIME_PRESSURE in run("deposit_missing", "preciso agora mesmo").flags


@pytest.mark.parametrize("text", ["Mã chống lừa đảo là gì?", "cài mã chống lừa đảo ở đâu"])
def test_the_anti_phishing_code_is_no_distress(text):
    # Found trying the product: the question was handed to a person as frustration.
    assert DISTRESS not in run("security_settings", text).flags


def test_being_scammed_is_still_distress():
    assert DISTRESS in run("phishing_scam", "sàn lừa đảo, trả tiền cho tôi").flags


@pytest.mark.parametrize("text", [
    "freeze my account", "please freeze my account immediately", "PLEASE FREEZE MY ACCOUNT NOW",
    "Bitte sperren Sie sofort mein Konto", "bloquea mi cuenta ya", "冻结我的账户",
    "請幫我凍結帳號", "アカウントを凍結してください", "계정 동결해 주세요",
    "заблокируйте мой аккаунт срочно", "hesabımı hemen dondurun", "gelez mon compte svp",
    "congelate il mio account", "bloqueie minha conta agora", "hãy khóa tài khoản của tôi ngay",
    # The second trial's: no "my", chat spelling, a typo.
    "freeze account", "pls freeze acc", "please freeze my acount asap",
    "khóa tài khoản của tôi ngay",
    # Question or negation words elsewhere in the message do not undo the request.
    "Please freeze my account as soon as possible",
    "someone is in, freeze my account! how did this happen",
    "there is a withdrawal i did not make, freeze my account",
    "I never made that withdrawal. Please freeze my account",
    # Fresh set v (0.11.17): the Spanish "vosotros" and enclitic imperatives, Italian ones.
    "congelad mi cuenta ya, me han quitado el móvil", "bloquéenme la cuenta por favor",
    "bloccatemi il conto subito, mi hanno rubato il telefono", "bloccami il conto",
    "Potete congelare i prelievi adesso? il mio pc ha un virus",
    # Set 12 (0.11.17): Portuguese "travar", Vietnamese "lock withdrawals".
    "trave minha conta agora, roubaram meu celular", "khóa rút tiền giúp mình với",
    "pouvez-vous bloquer mon compte tout de suite",
    # "vous bloquez mon compte" is the imperative the review of 0.11.17 found dropped.
    "Vous bloquez mon compte immédiatement, on m'a volé mon téléphone",
    "Je veux que vous bloquez mon compte tout de suite",
    "podem travar minha conta? roubaram meu celular",
    # Suites 15 and 16 (0.11.19): withdrawals with an article or "all", words between the
    # verb and its object, Japanese "止めて" / "お願い", Turkish "çekimleri", Chinese 把 …关掉.
    "necesito que bloqueen los retiros de mi cuenta ahora mismo",
    "congelen los retiros de mi cuenta ahora mismo porfa",
    "preciso congelar os saques da minha conta imediatamente",
    "sperrt bitte jetzt direkt alle auszahlungen auf meinem acc!!",
    "Bitte Auszahlungen sofort sperren! Mein Laptop hat einen Trojaner",
    "bloccate subito il mio account vi prego, qualcuno è dentro",
    "Pouvez-vous geler les retraits de mon compte immédiatement svp",
    "Блокните выводы на моём аккаунте срочно!!", "остановите вывод с моего аккаунта",
    "çekimleri şimdi kapatın lütfen, bence biri hesabımda",
    "tüm çekimleri şimdi kilitleyin, telefonum çalındı",
    "ad khoa rut tien tk minh ngay giup", "sàn khóa rút tiền tạm thời giúp em được không?",
    "先帮我把提现关掉，马上！", "请立即锁定我账号的提币功能",
    "お願いです、今すぐ出金止めてください", "念のため出金を止めてもらえますか",
    "今すぐ凍結お願いします！！",
    "계정 지금 당장 동결해주세요 누가 들어와있어요", "출금 좀 바로 막아주세요",
    # The review of 0.11.19: polite forms, a story's negation or "how" before a "but".
    "Could you guys freeze my account someone has my phone", "Pourriez-vous bloquer mon compte ?",
    "Lütfen hesabımı dondurur musunuz", "계정 정지 요청합니다", "pueden congelarme la cuenta?",
    "not sure how they got in but please freeze my account",
    "Как можно скорее заблокируйте мой аккаунт", "Заморозьте, пожалуйста, мой аккаунт",
    "khóa giúp em tài khoản với", "làm ơn đóng băng ví của em ngay",
    "zablokiruyte akkaunt srochno, kto-to voshel", "no fui yo, bloqueen mi cuenta ya",
])
def test_a_request_to_freeze_the_account_is_p1_in_every_language(text):
    # Found by the 0.11.12 trial: "freeze my account" got the locked-account article and
    # "Bitte sperren Sie sofort mein Konto" the account-closure one, with no person.
    result = run("account_locked", text)
    assert result.urgency == "P1"
    assert FREEZE_REQUESTED in result.flags and SECURITY_INCIDENT in result.flags
    assert worth_hurrying(text)  # ahead of the queue on a busy server too


@pytest.mark.parametrize("text", [
    "they froze my account", "why did you freeze my account?", "how do I lock my account?",
    "warum wurde mein Konto gesperrt", "bloquearon mi cuenta", "我的账户被冻结了",
    "凭什么冻结我的账户！！！", "之前我自己点了冻结账户，现在想恢复", "계정이 동결됐어요",
    "tôi bị khóa tài khoản", "unfreeze my account please", "разблокируйте аккаунт срочно",
    "deactivate my account for good",
    # A statement or a negation (the code review of 0.11.12).
    "你们冻结我的账户，我要投诉", "我被锁定账户了，登录不了", "请不要冻结我的账户",
    "Не блокируйте мой аккаунт, я уже прошёл проверку", "No bloqueen mi cuenta por favor",
    # "vous bloquez": the French statement has the imperative's form (set 12, 0.11.17).
    "vous bloquez mes retraits 24h parce que j'ai changé mon mot de passe ? sérieux ?",
    # Portuguese present tense and Vietnamese passive (review of 0.11.17).
    "Quando eu mudo a senha o sistema trava meus saques por 24h, é normal?",
    "tk mình bị khóa rút tiền ngay sau khi đổi mật khẩu",
    "Bitte nicht mein Konto sperren", "non bloccate il mio conto", "Não bloqueiem minha conta",
    # Italian with an article before "prelievi" (suite 16, 0.11.18): complaints stay ones.
    "non potete bloccare i prelievi senza avvisare", "perché avete bloccato i prelievi?",
    # The wider forms of 0.11.19 must not turn statements and questions into requests.
    "Ihr sperrt einfach meine Auszahlungen, Frechheit!", "Warum sperrt ihr alle Auszahlungen",
    "Sperrt ihr wirklich alle Auszahlungen?",
    "Me gustaría bloquear los retiros a direcciones nuevas",
    "出金止められてるんですけど", "なぜ出金を止めているんですか", "我的提现被冻结了",
    "출금 왜 막아주지 않나요", "можно ли заблокировать вывод?", "çekimleri neden durdurdunuz",
    # Spent blind suite 19 (0.11.20): why the exchange froze it, whether it would.
    "왜 제 계정 동결하셨어요? 아무 짓도 안 했는데 갑자기 출금이 막혔어요",
    "Nếu lỡ điện thoại bị trộm thì sàn có khóa tài khoản giúp mình được không?",
    "mo khoa tai khoan giup toi, toi da bo co bac tu lau",  # unlock (the review of 0.11.20)
    # Found by the review of 0.11.19 in its first wider forms: third persons, settings,
    # complaints, other things to stop.
    "Die App friert bei allen Auszahlungen ein", "Die Börse sperrt ab morgen alle Auszahlungen?",
    "L'exchange blocca tutti i prelievi?", "Остановите рассылку на мой аккаунт",
    "Приостановите автопополнение счета", "borsa yarın çekimleri kapatabilirmiş, doğru mu?",
    "平台无缘无故给我把提现冻结了", "勝手に口座を止めてくれたせいで損した",
    "출금 알림 정지해 주세요",
    "block withdrawals to new addresses", "Блокните вывод на новые адреса на сутки",
    "¿Es verdad que pueden congelar los retiros sin aviso?", "我能不能先把提现锁定？设置里找不到",
    # The self-exclusion review (0.11.20, mended in 0.11.22): someone else's habit,
    # someone else's account.
    "My husband is a gambler, can you lock his account?",
    "Mein Mann ist spielsüchtig, können Sie sein Konto sperren?",
    "남편이 도박 중독이에요. 남편 계정 좀 막아 주세요",
    "Заблокируйте аккаунт мужа, он игроман", "bloqueen la cuenta de mi esposo, es adicto",
    "请冻结我老公的账户，他天天赌合约", "lock her account please, she can't stop trading",
    # Betting words are a habit too (holdout22, 0.11.23).
    "quiero q bloqueen la cuenta de mi hermano, esta apostando todo en futuros",
    # "verzockt" (gambled away) is a habit too (holdout27, 0.11.26).
    "Mein Mann verzockt unser Erspartes mit Futures bei euch. Kann man sein Konto sperren "
    "lassen?",
    # "How does one freeze the account in case I'm hacked?" (holdout31, 0.11.27).
    "come si congela l'account nel caso mi hackerano?",
])
def test_a_frozen_account_or_a_question_about_freezing_is_not_a_freeze_request(text):
    result = run("account_locked", text)
    assert result.urgency != "P1" and FREEZE_REQUESTED not in result.flags


@pytest.mark.parametrize("text", [
    # Someone else's account with an incident or access word, or the writer's own
    # account beside a relative: still a freeze request.
    "my mom's account got drained, lock her account",
    "my dad got a login from a new device in Brazil, lock his account",
    "lock his account, someone withdrew all his BTC",
    # A relative who handed a code over, even one with a habit (the final read, 0.11.22).
    "my dad is 80 and someone called him pretending to be you, he gave them his code. "
    "freeze his account",
    "my dad is a gambler and someone called him, he gave them his code. freeze his account",
    "My son has my phone and is revenge trading on my account. Freeze my account please.",
    "please lock my account, my husband knows my password",
    "冻结我的账户，我老公拿了我的手机",
])
def test_a_freeze_beside_someone_elses_incident_or_of_ones_own_account_stays_p1(text):
    result = run("account_locked", text)
    assert result.urgency == "P1" and FREEZE_REQUESTED in result.flags


@pytest.mark.parametrize("text", [
    "can you lock my account from trading for 30 days. I keep revenge trading futures",
    "quiero que me bloqueen la cuenta de futuros por un mes, no me controlo",
    "quero que vcs bloqueiem minha conta de operar por 30 dias. tô viciado em alavancagem",
    "请帮我锁定账户交易30天，最近合约玩上头了",
    "vorrei bloccare il mio account per un mese, non riesco a smettere di fare leva 100x",
    "Bitte sperren Sie mein Konto für drei Monate, ich bin spielsüchtig",
    "заблокируйте мой аккаунт на месяц, у меня зависимость от трейдинга",
    # 0.11.22: "a problem with futures", "zock zu viel", "non riesco a smettere", "uns meses".
    "Bitte sperrt mein Konto für 6 Monate. Ich zock zu viel mit Futures",
    "bloqueen mi cuenta un año, tengo un problema serio con los futuros",
    "bloccatemi l'account per 6 mesi, ho un problema col trading e non riesco a smettere",
    "quero bloquear minha conta por uns meses, to viciado em operar futuros",
    "please lock my account for a few months, I have a real problem with futures",
    # holdout22 (0.11.23): "quero" says who, "không dừng được" (can't stop) is the habit.
    "quero me autoexcluir por 6 meses, não tô conseguindo parar. Podem bloquear minha conta?",
    "Em muốn khóa tài khoản của chính mình 3 tháng vì chơi margin, không dừng được",
    # holdout23 (0.11.24): "for good" is a period, and so are the words of not being able
    # to quit; "I need it gone" is no loss.
    "Bitte sperrt mein Konto dauerhaft. Ich zock nur noch mit 100x Hebel",
    "khóa tk giúp em vĩnh viễn, em nghiện future quá rồi",
    "Vi prego bloccatemi il conto, non riesco a smettere con la leva, ho perso due stipendi",
    "先物やめられないので口座ロックしてもらえませんか。自分ではもう止められないです",
    "quiero que me bloqueen la cuenta por 6 meses, no puedo dejar de meterle a futuros con x100",
    "please lock my account for 6 months. I can't stop opening futures positions. I need it "
    "gone",
    # holdout25 (0.11.25): "I keep depositing"; "no logins" is part of what is asked; "это
    # уже зависимость"; "no me han hackeado" denies an intruder.
    "lock my account for 3 months please, I keep depositing after every loss. no logins, "
    "no trading",
    "заблокируйте аккаунт на полгода, у меня это уже зависимость",
    "bloqueen mi cuenta 3 meses, no me han hackeado, tengo un problema con los futuros",
    # holdout28 (0.11.26): "почти" (almost) is no "почта" (mail, an access word), and "не
    # могу" is said in the first person.
    "Прошу заблокировать мой аккаунт навсегда. проиграл на фьючах почти все и не могу "
    "остановиться",
    # holdout30 and 31 (0.11.27): "trop" with a degree, European Portuguese word order,
    # Japanese "hooked too much" and "want to be made to stop", Russian "остановиться не
    # могу".
    "Bonjour, je voudrais bloquer mon compte pendant 6 mois svp. Je trade beaucoup trop, je "
    "perds tout et je me fais peur.",
    "quero que me bloqueiem a conta durante 6 meses, ando a apostar demais em futuros e não "
    "me consigo controlar",
    "しばらく自分のアカウントをロックしてほしいです。最近レバレッジ取引にハマりすぎて負けが込んでて、"
    "強制的にやめたい",
    "заблокируйте мне аккаунт насовсем пожалуйста. я сливаю всё на фьючах уже третий месяц, "
    "сам остановиться не могу",
])
def test_a_freeze_asked_for_to_stop_trading_is_no_incident(text):
    # Self-exclusion (suites 15 and 16): the trader fears their own habit, not an
    # intruder. A person sets the lock (the policy hands off), at P2, not a P1 page.
    result = run("account_locked", text)
    assert result.urgency == "P2"
    assert SELF_EXCLUSION in result.flags and FREEZE_REQUESTED not in result.flags


@pytest.mark.parametrize("text", [
    # Not a habit: everyday words the review of 0.11.19 found in fear messages.
    "please freeze my account, I'm not going to gamble on it being nothing",
    "Заблокируйте мой аккаунт срочно, независимо от причины",
    "bloqueiem minha conta agora, não consigo parar os saques",
    "Jemand sucht in meinem Konto herum, sperren Sie sofort mein Konto",
    # The habit denied, or an intruder named beside it.
    "keine Spielsucht, sperrt sofort mein Konto", "Não é vício, bloqueiem minha conta agora",
    "不是赌博 请冻结我的账户",
    "I'm a gambling addict but this is not me: someone logged in, freeze my account",
    "누가 제 계정으로 도박하듯 선물 거래 중이에요 계정 동결해주세요",
    # Found by the review of 0.11.20 (some already at 0.11.19): a takeover told with habit
    # words must keep the freeze rule's P1 even when the detector says nothing.
    "My account got hacked, whoever is in there is overtrading my futures with 100x. "
    "Freeze my account now!",
    "Whoever stole my password is gambling with my funds. Please freeze my account",
    "My ex knows my password and is revenge trading on my account to ruin me. Please lock "
    "my account now",
    "I'm a gambler, sure, but I did NOT open these 40 positions. Please freeze my account",
    "I'm not hacked I think... actually wait, there's a login from Russia and my futures are "
    "overtrading on their own. Freeze my account please",
    "有没有人登录过我的账户？合约全是100倍梭哈，比我赌博还狠，请立即冻结我的账户",
    "我怀疑账户是不是被盗了，一晚上开了几十单，像赌博上头了一样，麻烦把我的账户冻结",
    "Мой аккаунт взломали, этот лудоман открывает фьючерсы на всё. Заблокируйте мой аккаунт "
    "срочно",
    "akkaunt vzlomali, tam kakoy-to ludoman torguet fyuchersami, zablokiruyte moy akkaunt "
    "srochno",
    "不正ログインされて、犯人がギャンブル依存症みたいにレバレッジ取引しています。アカウントを停止してください",
    "Hesabım hacklendi, hırsız kumar bağımlısı gibi vadeli işlem açıyor. Hesabımı hemen dondurun",
    "Có người lạ đăng nhập, đánh futures như cờ bạc trên tài khoản tôi, khóa tài khoản giúp "
    "tôi ngay",
    "Mi hermano es ludópata y entró a mi cuenta sin permiso a operar futuros. Congelen mi "
    "cuenta por favor",
    # A freeze request with habit words but no period stays P1 (the second review of
    # 0.11.20: takeovers told by self-confessed gamblers, "zavisim ot treydinga da, no parol
    # uznala byvshaya, zablokiruyte akkaunt"), and so does one where money is gone.
    "Ich bin spielsüchtig, klar, aber letzte Nacht war mein Handy aus und trotzdem 20 neue "
    "Trades. Sperren Sie mein Konto",
    "zavisim ot treydinga da, no parol uznala byvshaya, zablokiruyte akkaunt",
    "revenge trading again? no, phone was off all night. lock my account",
    "Perdi tudo, conta zerada, sou viciado em trade. Bloqueiem minha conta por favor",
    "I lost a fortune revenge trading before, fine. But this morning the account was drained "
    "overnight. Freeze my account for a month",
    # The third review of 0.11.20: takeovers with a period and habit words.
    "My USDT is missing and the history shows gambling on 125x at 4am while I was at work. "
    "Please freeze my account for 30 days.",
    "帳號異地登入，錢被拿去賭博開槓桿，麻煩把帳戶凍結，凍結三十天。",
    "Пасынок лудоман, утащил мой телефон и проиграл половину баланса на фьючерсах. Заморозьте "
    "аккаунт на месяц.",
    "Mein Handy wurde geklaut und jetzt zockt da einer mit 100x Hebel, spielsüchtig oder so. "
    "Sperren Sie bitte mein Konto für 30 Tage.",
    "My coworker watched me type my PIN, now the account shows compulsive trading I can't "
    "explain. Please freeze my account for a month.",
    "someone is trading on my account right now, lock my account for a month so I can't trade "
    "anymore",
    # The review of 0.11.21: a purpose beside activity the trader cannot explain.
    "please freeze my account for 2 weeks so I can't trade, 20 orders appeared overnight that "
    "I don't remember",
    "Заблокируйте аккаунт на месяц, чтобы я сам не мог торговать, ночью открылись сделки на "
    "весь баланс",
    "Sperrt mein Konto für 30 Tage, ich bin spielsüchtig, aber um 3 Uhr wurden Orders eröffnet",
    # Stopping something is no quitting (0.11.24): without a period these stay P1.
    "Bloccatemi il conto, non riesco a fermare i prelievi",
    "出金が止められない、口座ロックして",
    "khóa tk giúp em, không dừng được lệnh rút",
    "lock my account, I can't stop it",
])
def test_fear_with_words_near_a_habit_stays_a_freeze_request(text):
    result = run("account_locked", text)
    assert result.urgency == "P1" and FREEZE_REQUESTED in result.flags, text
    assert SELF_EXCLUSION not in result.flags


@pytest.mark.parametrize("text", [
    # A restriction without the freeze rule's words: it was read as out of scope (P4) and
    # got no person (0.11.19's known gap). The rule's review (0.11.20) wrote most of these.
    "can you lock my futures for a month? gambling problem",
    "limiten mi apalancamiento, soy ludópata",
    "帮我把合约关了，玩上头了",
    "I'm addicted to trading, please stop me from trading for 6 months",
    "Estou operando compulsivamente, podem fechar minha conta de futuros?",
    "tenho problema com jogo, quero fechar minha conta",
    "私はギャンブル依存症です。先物取引を制限してください",
    "선물 중독이에요 선물 거래 제한해 주세요",
    "kumar bağımlısıyım, vadeli işlemleri kapatın lütfen",
    "tôi nghiện futures, khóa tài khoản giúp tôi 1 tháng",
    "у меня игровая зависимость, ограничьте мне торговлю фьючерсами",
    "Je suis accro au trading, pouvez-vous fermer mon compte futures ?",
    "Ich zocke zu viel mit Hebel. Könnt ihr Futures für mein Konto deaktivieren?",
    "I'm a degen with no self control on perps. Please remove futures access from my account",
    "хочу самоограничение на торговлю на месяц, можно так чтобы я сам не мог отменить?",
    # Spent blind suite 19: "für ein halbes Jahr", "zocke jede Nacht"; "거래에 중독".
    "Bitte sperrt mein Konto für den Futures-Handel. Ich hab ein Problem, zocke jede Nacht und "
    "verliere alles. Kann man das für ein halbes Jahr deaktivieren?",
    "제가 선물 거래에 중독된 것 같아요. 제 계정 선물 거래 좀 막아주실 수 있나요? 최소 6개월이요",
    # Words of an intruder used otherwise: denied, a helper asked for, "Sim" (yes), 放假
    # (a break).
    "can you freeze my account for like 30 days? not hacked or anything, i just keep "
    "revenge trading and need someone to stop me",
    "能不能把我账户冻结三个月 不是被盗 是我自己管不住手 天天梭哈",
    "Per favore bloccatemi il trading futures per 30 giorni, sto overtradando. Non c'è "
    "nessun hacker, sono io.",
    "Sim, sou viciado em alavancagem. Por favor bloqueiem minha conta por 90 dias",
    "我想给自己放个假，赌博一样天天梭哈，帮我把合约关掉",
    "Necesito que alguien me detenga, soy ludópata. Bloqueen los futuros de mi cuenta",
    # Spent blind suite 20 (0.11.21): no habit word, but the purpose is the trader's own
    # ("so that I myself can't trade").
    "Можно заблокировать мой аккаунт на полгода, чтобы я сам не мог торговать? Сливаю всё "
    "на фьючах, хочу остановиться.",
])
def test_a_restriction_asked_for_because_of_ones_own_habit_reaches_a_person(text):
    result = run("out_of_scope", text)
    assert SELF_EXCLUSION in result.flags, text
    assert result.urgency == "P2" and FREEZE_REQUESTED not in result.flags


@pytest.mark.parametrize("text", [
    # Someone else's habit, an opinion, the exchange's own limits, closing a position.
    "My friend is addicted to trading futures. Is there a deposit limit on new accounts?",
    "Futures trading is basically gambling lol. How do I close a futures position at market?",
    "Gamblers in this group: what's the max leverage limit on BTC perps?",
    "I used to be a gambler with 100x, now I only spot trade. Why does my API keep giving "
    "a timeout?",
    "Set a limit order for me at 60k, no more revenge trading, just a clean entry",
    "我朋友赌博上头了，你们交易所的杠杆限制是多少倍？",
    "大家說合約是賭博，請問帳戶每日入金限制多少？",
    "Mi primo es ludópata, jaja. ¿Cómo cierro una posición de futuros?",
    "Лудоман в чате опять закрыл фьючерсы в минус, ахаха. Какая комиссия за торговлю?",
    "先物取引はギャンブルだと友達に言われました。口座の入金制限はいくらですか？",
    "친구가 코인 중독이라 걱정이에요. 계정 입금 한도 제한은 어떻게 되나요?",
    "Mein Kumpel ist spielsüchtig. Gibt es bei euch ein Limit für Einzahlungen?",
    "Futures là cờ bạc, sàn có giới hạn đòn bẩy không?",
    "Il mio amico è ludopatico. Come chiudo una posizione con leva?",
])
def test_habit_words_beside_a_question_about_something_else_are_no_self_exclusion(text):
    assert SELF_EXCLUSION not in run("out_of_scope", text).flags, text


def test_a_takeover_told_with_self_exclusion_words_stays_p1():
    # The detector's verdict decides: the cooling-off words only set aside the freeze rule.
    text = "I gamble too much but this is different: someone withdrew my BTC, freeze my account"
    verdict = IncidentJudgement(TAKEOVER, 0.9)
    result = triage("account_hacked", {"account_hacked": 0.9}, text, EXTRACT.extract(text),
                    (), SETTINGS, verdict)
    assert result.urgency == "P1" and SELF_EXCLUSION not in result.flags


@pytest.mark.parametrize("text", [
    "you lock withdrawals for 24h after a password change?",
    "the exchange will lock the funds for 24h", "they block my account for no reason",
])
def test_english_freeze_words_that_request_nothing_are_no_freeze_request(text):
    # In English the imperative is the bare verb: only a clause that starts with it, or
    # "please" / "can you" before it, asks us to freeze.
    assert FREEZE_REQUESTED not in run("account_locked", text).flags


@pytest.mark.parametrize("text", [
    # The final read of 0.11.25: "если" (if) and "вы сможете" (will you be able to) were
    # briefly question words of the freeze rule; "если можно" (if possible) and "Вы
    # сможете…?" are how Russian asks politely, and the freeze request must stay P1.
    "если можно заблокируйте аккаунт срочно",
    "Вы сможете заблокировать мой аккаунт прямо сейчас?",
])
def test_polite_russian_freeze_requests_stay_requests(text):
    assert asks_to_freeze(text)


@pytest.mark.parametrize("text", [
    # A freeze asked about after an "if" (0.11.28 paged the first three), and a pasted
    # notice's advice (holdout35): no request.
    "O que acontece se eu errar a senha 5 vezes, bloqueia a conta?",
    "Si me equivoco de contraseña varias veces, ¿se bloquea la cuenta?",
    "Si je me trompe de mot de passe, vous bloquez mon compte ?",
    "[Sàn] Đăng nhập mới: Samsung S23, Hà Nội. Nếu không phải bạn, hãy khóa tài khoản ngay.\n"
    "=> cái này là mình vừa đổi điện thoại thôi",
])
def test_a_freeze_asked_about_after_an_if_or_quoted_from_a_notice_is_no_request(text):
    assert not asks_to_freeze(text)


@pytest.mark.parametrize("text", [
    # ... but an "if" that asks for it ("if possible", "if you can"), an "if" in an earlier
    # sentence, or a request without a question mark still asks.
    "Si es posible, ¿pueden bloquear mi cuenta?",
    "Si pueden, bloqueen mi cuenta?",
    "Se alguém entrou, bloqueiem minha conta!",
    "If this was not you, lock your account, the notice says. It wasn't me. Please lock my "
    "account now",
])
def test_an_if_that_still_asks_for_the_freeze(text):
    assert asks_to_freeze(text)


@pytest.mark.parametrize("text", [
    # Freeze requests typed in Latin letters (holdout36).
    "qing bang wo mashang dongjie",
    "jebal gyejeong jom jamgwa juseyo",
    "zablokiruyte moy akkaunt srochno",
    "idut vyvody s moego akkaunta, zablokirujte pozhalujsta",
    "ko phai em, khoa acc di",
    "khong phai em!!! dang nhap moi tu Brazil khoa acc giup em",
])
def test_romanised_freeze_requests(text):
    assert asks_to_freeze(text)


@pytest.mark.parametrize("text", [
    # ... not an account that was locked, nor an uncle's or a husband's account.
    "nhập sai mật khẩu 5 lần thôi mà khóa acc 24h",
    "chú em bị hỏi mật khẩu, chú không đưa. khóa acc giúp được không",
    "u moego muzha zavisim ot treydinga, zablokiruyte ego akkaunt",
])
def test_romanised_freeze_words_that_ask_nothing_of_us(text):
    assert not asks_to_freeze(text)
