/* supportbot agent console. User text is only ever set with textContent. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var csrf = sessionStorage.getItem("sb.csrf") || "";
  var current = null;          // the open handoff id
  var lastMessageId = 0;
  var queueItems = [];
  var stream = null, heartbeatTimer = null, conversationTimer = null;
  var languages = {};
  var shownPacket = "";        // the packet as last drawn (redrawn only when it changes)
  // What the console says of itself, in the agent's first language.
  var WORDS = {
    en: {"taken": "Another agent took this conversation first.", "at_capacity": "You already hold as many conversations as your capacity allows: close or release one first.", "missing": "This conversation is no longer in the queue.", "nobody_for_you": "Nobody is waiting for you right now.", "file_too_large": "This file is over the {mb} MB limit.", "offline": "Connection to the server lost: the queue below may be out of date. Reconnecting…", "not_yours": "This conversation is not yours to read (ask a supervisor).", "conflict": "This conversation is no longer yours: it was closed, released or transferred.", "target_offline": "That colleague is offline: choose an agent who is online.", "target_full": "That colleague has no room for another conversation.", "empty": "Nobody is waiting.", "user_typing": "The user is typing…"},
    zh: {"taken": "另一位客服已先接手此会话。", "at_capacity": "您接待的会话已达上限：请先结束或释放一个。", "missing": "此会话已不在队列中。", "nobody_for_you": "目前没有等待您的用户。", "file_too_large": "文件超过 {mb} MB 的上限。", "offline": "与服务器的连接已断开：下方队列可能已过时，正在重新连接…", "not_yours": "您无权查看此会话（请联系主管）。", "conflict": "此会话已不归您处理：它已被结束、释放或转接。", "target_offline": "该同事不在线：请选择在线的客服。", "target_full": "该同事已无法再接待会话。", "empty": "目前没有人在等待。", "user_typing": "用户正在输入…"},
    es: {"taken": "Otro agente tomó esta conversación primero.", "at_capacity": "Ya tienes tantas conversaciones como permite tu capacidad: cierra o libera una antes.", "missing": "Esta conversación ya no está en la cola.", "nobody_for_you": "Ahora mismo nadie te está esperando.", "file_too_large": "El archivo supera el límite de {mb} MB.", "offline": "Se perdió la conexión con el servidor: la cola puede estar desactualizada. Reconectando…", "not_yours": "No tienes acceso a esta conversación (consulta a un supervisor).", "conflict": "Esta conversación ya no es tuya: se cerró, se liberó o se transfirió.", "target_offline": "Ese compañero no está conectado: elige un agente en línea.", "target_full": "Ese compañero no tiene hueco para otra conversación.", "empty": "No hay nadie esperando.", "user_typing": "El usuario está escribiendo…"},
    ru: {"taken": "Другой оператор уже взял этот диалог.", "at_capacity": "У вас уже максимум диалогов: сначала закройте или освободите один.", "missing": "Этого диалога больше нет в очереди.", "nobody_for_you": "Сейчас вас никто не ждёт.", "file_too_large": "Файл больше допустимых {mb} МБ.", "offline": "Связь с сервером потеряна: очередь может быть устаревшей. Переподключение…", "not_yours": "У вас нет доступа к этому диалогу (обратитесь к супервайзеру).", "conflict": "Этот диалог больше не ваш: его закрыли, освободили или передали.", "target_offline": "Этот коллега не в сети: выберите оператора онлайн.", "target_full": "У этого коллеги нет места для ещё одного диалога.", "empty": "Никто не ждёт.", "user_typing": "Пользователь печатает…"},
    ja: {"taken": "別の担当者が先にこの会話を引き受けました。", "at_capacity": "対応できる会話数の上限です。先にどれかを終了するか解放してください。", "missing": "この会話はもうキューにありません。", "nobody_for_you": "今あなたを待っているユーザーはいません。", "file_too_large": "ファイルが上限の {mb} MB を超えています。", "offline": "サーバーとの接続が切れました。下のキューは古い可能性があります。再接続中…", "not_yours": "この会話を閲覧する権限がありません（スーパーバイザーに確認してください）。", "conflict": "この会話はもうあなたの担当ではありません（終了・解放・転送済み）。", "target_offline": "その同僚はオフラインです。オンラインの担当者を選んでください。", "target_full": "その同僚はこれ以上会話を受けられません。", "empty": "待っている人はいません。", "user_typing": "ユーザーが入力中…"},
    ko: {"taken": "다른 상담원이 먼저 이 대화를 맡았습니다.", "at_capacity": "담당 가능한 대화 수가 가득 찼습니다. 먼저 하나를 종료하거나 반환하세요.", "missing": "이 대화는 더 이상 대기열에 없습니다.", "nobody_for_you": "지금 기다리는 고객이 없습니다.", "file_too_large": "파일이 {mb} MB 제한을 넘습니다.", "offline": "서버와 연결이 끊겼습니다. 아래 대기열이 최신이 아닐 수 있습니다. 다시 연결 중…", "not_yours": "이 대화를 볼 권한이 없습니다(관리자에게 문의하세요).", "conflict": "이 대화는 더 이상 담당이 아닙니다: 종료, 반환 또는 이관되었습니다.", "target_offline": "해당 동료는 오프라인입니다. 온라인 상담원을 선택하세요.", "target_full": "해당 동료는 더 이상 대화를 맡을 수 없습니다.", "empty": "기다리는 고객이 없습니다.", "user_typing": "고객이 입력 중…"},
    de: {"taken": "Eine Kollegin oder ein Kollege hat dieses Gespräch zuerst übernommen.", "at_capacity": "Sie haben bereits so viele Gespräche, wie Ihre Kapazität erlaubt: Schließen oder geben Sie zuerst eines ab.", "missing": "Dieses Gespräch ist nicht mehr in der Warteschlange.", "nobody_for_you": "Gerade wartet niemand auf Sie.", "file_too_large": "Die Datei ist größer als {mb} MB.", "offline": "Verbindung zum Server verloren: Die Warteschlange ist evtl. veraltet. Neuer Versuch…", "not_yours": "Dieses Gespräch dürfen Sie nicht lesen (fragen Sie eine Aufsicht).", "conflict": "Dieses Gespräch gehört Ihnen nicht mehr: Es wurde geschlossen, abgegeben oder weitergeleitet.", "target_offline": "Diese Person ist offline: Wählen Sie jemanden, der online ist.", "target_full": "Diese Person hat keinen Platz für ein weiteres Gespräch.", "empty": "Niemand wartet.", "user_typing": "Der Kunde schreibt…"},
    fr: {"taken": "Un autre conseiller a pris cette conversation en premier.", "at_capacity": "Vous avez déjà autant de conversations que votre capacité le permet : fermez-en ou libérez-en une d'abord.", "missing": "Cette conversation n'est plus dans la file.", "nobody_for_you": "Personne ne vous attend pour l'instant.", "file_too_large": "Le fichier dépasse la limite de {mb} Mo.", "offline": "Connexion au serveur perdue : la file ci-dessous peut être périmée. Reconnexion…", "not_yours": "Vous n'avez pas accès à cette conversation (demandez à un superviseur).", "conflict": "Cette conversation n'est plus la vôtre : elle a été fermée, libérée ou transférée.", "target_offline": "Ce collègue est hors ligne : choisissez un conseiller en ligne.", "target_full": "Ce collègue n'a plus de place pour une conversation.", "empty": "Personne n'attend.", "user_typing": "L'utilisateur écrit…"},
    tr: {"taken": "Bu görüşmeyi önce başka bir temsilci aldı.", "at_capacity": "Kapasitenizin izin verdiği kadar görüşmeniz var: önce birini kapatın veya bırakın.", "missing": "Bu görüşme artık kuyrukta değil.", "nobody_for_you": "Şu anda sizi bekleyen kimse yok.", "file_too_large": "Dosya {mb} MB sınırını aşıyor.", "offline": "Sunucuyla bağlantı koptu: aşağıdaki kuyruk güncel olmayabilir. Yeniden bağlanılıyor…", "not_yours": "Bu görüşmeyi okuma yetkiniz yok (bir yöneticiye sorun).", "conflict": "Bu görüşme artık sizde değil: kapatıldı, bırakıldı veya aktarıldı.", "target_offline": "Bu çalışma arkadaşınız çevrimdışı: çevrimiçi bir temsilci seçin.", "target_full": "Bu çalışma arkadaşınızın yeni bir görüşmeye yeri yok.", "empty": "Bekleyen kimse yok.", "user_typing": "Kullanıcı yazıyor…"},
    pt: {"taken": "Outro atendente pegou esta conversa primeiro.", "at_capacity": "Você já tem tantas conversas quanto sua capacidade permite: encerre ou libere uma antes.", "missing": "Esta conversa não está mais na fila.", "nobody_for_you": "Ninguém está esperando por você agora.", "file_too_large": "O arquivo passa do limite de {mb} MB.", "offline": "Conexão com o servidor perdida: a fila abaixo pode estar desatualizada. Reconectando…", "not_yours": "Você não tem acesso a esta conversa (fale com um supervisor).", "conflict": "Esta conversa não é mais sua: foi encerrada, liberada ou transferida.", "target_offline": "Esse colega está offline: escolha um atendente online.", "target_full": "Esse colega não tem espaço para outra conversa.", "empty": "Ninguém está esperando.", "user_typing": "O usuário está digitando…"},
    it: {"taken": "Un altro operatore ha preso per primo questa conversazione.", "at_capacity": "Hai già tutte le conversazioni che la tua capacità consente: chiudine o rilasciane una prima.", "missing": "Questa conversazione non è più in coda.", "nobody_for_you": "In questo momento nessuno ti sta aspettando.", "file_too_large": "Il file supera il limite di {mb} MB.", "offline": "Connessione al server persa: la coda qui sotto potrebbe non essere aggiornata. Riconnessione…", "not_yours": "Non puoi leggere questa conversazione (chiedi a un supervisore).", "conflict": "Questa conversazione non è più tua: è stata chiusa, rilasciata o trasferita.", "target_offline": "Quel collega è offline: scegli un operatore online.", "target_full": "Quel collega non ha posto per un'altra conversazione.", "empty": "Nessuno in attesa.", "user_typing": "L'utente sta scrivendo…"},
    vi: {"taken": "Một nhân viên khác đã nhận cuộc trò chuyện này trước.", "at_capacity": "Bạn đã nhận đủ số cuộc trò chuyện cho phép: hãy đóng hoặc trả lại một cuộc trước.", "missing": "Cuộc trò chuyện này không còn trong hàng chờ.", "nobody_for_you": "Hiện không có ai đang chờ bạn.", "file_too_large": "Tệp vượt quá giới hạn {mb} MB.", "offline": "Mất kết nối với máy chủ: hàng chờ bên dưới có thể đã cũ. Đang kết nối lại…", "not_yours": "Bạn không có quyền xem cuộc trò chuyện này (hãy hỏi giám sát viên).", "conflict": "Cuộc trò chuyện này không còn do bạn phụ trách: đã bị đóng, trả lại hoặc chuyển đi.", "target_offline": "Đồng nghiệp đó đang ngoại tuyến: hãy chọn nhân viên đang trực tuyến.", "target_full": "Đồng nghiệp đó không còn chỗ cho cuộc trò chuyện khác.", "empty": "Không có ai đang chờ.", "user_typing": "Người dùng đang nhập…"}
  };
  // Verified identity (bot/identity): the badge, and the warning before account-changing
  // help to an unverified trader. Merged into WORDS, so say() speaks them.
  var IDENTITY_WORDS = {
    en: {"id_verified": "Verified", "id_unverified": "Unverified", "id_warning": "Identity not verified — do not change account settings; ask the trader to log in and reopen chat from their account page.", "id_confirm": "I understand — send this reply", "id_confirm_first": "Confirm first: this trader's identity is not verified.", "id_via": "verified via {via}"},
    zh: {"id_verified": "已验证", "id_unverified": "未验证", "id_warning": "身份未验证——请勿更改账户设置；请让用户登录后从其账户页面重新打开聊天。", "id_confirm": "我已了解——发送此回复", "id_confirm_first": "请先确认：此用户的身份未经验证。", "id_via": "通过 {via} 验证"},
    es: {"id_verified": "Verificado", "id_unverified": "No verificado", "id_warning": "Identidad no verificada: no cambies la configuración de la cuenta; pide al usuario que inicie sesión y vuelva a abrir el chat desde la página de su cuenta.", "id_confirm": "Entendido: enviar esta respuesta", "id_confirm_first": "Confirma primero: la identidad de este usuario no está verificada.", "id_via": "verificado por {via}"},
    ru: {"id_verified": "Подтверждён", "id_unverified": "Не подтверждён", "id_warning": "Личность не подтверждена — не меняйте настройки аккаунта; попросите пользователя войти в аккаунт и открыть чат заново со страницы аккаунта.", "id_confirm": "Понятно — отправить ответ", "id_confirm_first": "Сначала подтвердите: личность этого пользователя не подтверждена.", "id_via": "подтверждён через {via}"},
    ja: {"id_verified": "本人確認済み", "id_unverified": "未確認", "id_warning": "本人確認されていません。アカウント設定を変更しないでください。ユーザーにログインしてアカウントページからチャットを開き直すよう依頼してください。", "id_confirm": "理解しました。この返信を送信", "id_confirm_first": "先に確認してください：このユーザーは本人確認されていません。", "id_via": "{via} で確認済み"},
    ko: {"id_verified": "본인 확인됨", "id_unverified": "미확인", "id_warning": "본인 확인이 되지 않았습니다. 계정 설정을 변경하지 말고, 고객에게 로그인한 뒤 계정 페이지에서 채팅을 다시 열도록 요청하세요.", "id_confirm": "확인했습니다 — 이 답장 보내기", "id_confirm_first": "먼저 확인하세요: 이 고객은 본인 확인이 되지 않았습니다.", "id_via": "{via}(으)로 확인됨"},
    de: {"id_verified": "Verifiziert", "id_unverified": "Nicht verifiziert", "id_warning": "Identität nicht verifiziert – ändern Sie keine Kontoeinstellungen; bitten Sie die Person, sich anzumelden und den Chat über ihre Kontoseite neu zu öffnen.", "id_confirm": "Verstanden – Antwort senden", "id_confirm_first": "Bitte zuerst bestätigen: Die Identität dieser Person ist nicht verifiziert.", "id_via": "verifiziert über {via}"},
    fr: {"id_verified": "Vérifié", "id_unverified": "Non vérifié", "id_warning": "Identité non vérifiée — ne modifiez pas les paramètres du compte ; demandez à l'utilisateur de se connecter et de rouvrir le chat depuis sa page de compte.", "id_confirm": "J'ai compris — envoyer cette réponse", "id_confirm_first": "Confirmez d'abord : l'identité de cet utilisateur n'est pas vérifiée.", "id_via": "vérifié via {via}"},
    tr: {"id_verified": "Doğrulandı", "id_unverified": "Doğrulanmadı", "id_warning": "Kimlik doğrulanmadı — hesap ayarlarını değiştirmeyin; kullanıcıdan giriş yapıp sohbeti hesap sayfasından yeniden açmasını isteyin.", "id_confirm": "Anladım — bu yanıtı gönder", "id_confirm_first": "Önce onaylayın: bu kullanıcının kimliği doğrulanmadı.", "id_via": "{via} ile doğrulandı"},
    pt: {"id_verified": "Verificado", "id_unverified": "Não verificado", "id_warning": "Identidade não verificada — não altere as configurações da conta; peça ao usuário que faça login e reabra o chat pela página da conta.", "id_confirm": "Entendi — enviar esta resposta", "id_confirm_first": "Confirme primeiro: a identidade deste usuário não foi verificada.", "id_via": "verificado via {via}"},
    it: {"id_verified": "Verificato", "id_unverified": "Non verificato", "id_warning": "Identità non verificata — non modificare le impostazioni dell'account; chiedi all'utente di accedere e riaprire la chat dalla pagina del suo account.", "id_confirm": "Ho capito — invia questa risposta", "id_confirm_first": "Conferma prima: l'identità di questo utente non è verificata.", "id_via": "verificato tramite {via}"},
    vi: {"id_verified": "Đã xác minh", "id_unverified": "Chưa xác minh", "id_warning": "Danh tính chưa được xác minh — không thay đổi cài đặt tài khoản; hãy đề nghị người dùng đăng nhập và mở lại cuộc trò chuyện từ trang tài khoản của họ.", "id_confirm": "Tôi hiểu — gửi câu trả lời này", "id_confirm_first": "Hãy xác nhận trước: danh tính của người dùng này chưa được xác minh.", "id_via": "xác minh qua {via}"}
  };
  Object.keys(IDENTITY_WORDS).forEach(function (lang) {
    Object.keys(IDENTITY_WORDS[lang]).forEach(function (key) { WORDS[lang][key] = IDENTITY_WORDS[lang][key]; });
  });
  // Two-step sign-in (bot/agent_auth): the code screen, enrolment, recovery codes.
  var FACTOR_WORDS = {
    en: {"factor_title": "Two-step sign-in", "factor_prompt": "Enter the 6-digit code from your authenticator app, or one of your recovery codes.", "factor_code": "Code", "factor_submit": "Verify", "factor_sign_out": "Sign out", "enrol_title": "Set up two-step sign-in", "enrol_prompt": "Scan this QR code with an authenticator app, or type the key below into it. Then enter the 6-digit code it shows.", "enrol_key": "Key", "enrol_submit": "Confirm", "recovery_title": "Your recovery codes", "recovery_prompt": "Each code works once, if you lose your phone. Save them somewhere safe now: they are not shown again.", "recovery_saved": "I saved them", "wrong_code": "Wrong code. Try again.", "code_used": "This code was used already: wait for the next one in your app.", "too_many_codes": "Too many wrong codes. Try again in {s} seconds.", "recovery_left": "Recovery code accepted: {n} left. Ask a supervisor to reset your authenticator."},
    zh: {"factor_title": "两步验证登录", "factor_prompt": "请输入身份验证器应用中的 6 位验证码，或一个恢复码。", "factor_code": "验证码", "factor_submit": "验证", "factor_sign_out": "退出登录", "enrol_title": "设置两步验证", "enrol_prompt": "用身份验证器应用扫描此二维码，或手动输入下方的密钥，然后输入应用显示的 6 位验证码。", "enrol_key": "密钥", "enrol_submit": "确认", "recovery_title": "您的恢复码", "recovery_prompt": "手机丢失时，每个恢复码可使用一次。请立即妥善保存：它们不会再次显示。", "recovery_saved": "我已保存", "wrong_code": "验证码错误，请重试。", "code_used": "此验证码已使用过：请等待应用中的下一个验证码。", "too_many_codes": "错误次数过多，请在 {s} 秒后重试。", "recovery_left": "恢复码已接受：还剩 {n} 个。请联系主管重置您的身份验证器。"},
    es: {"factor_title": "Inicio de sesión en dos pasos", "factor_prompt": "Introduce el código de 6 dígitos de tu app de autenticación, o uno de tus códigos de recuperación.", "factor_code": "Código", "factor_submit": "Verificar", "factor_sign_out": "Cerrar sesión", "enrol_title": "Configura el inicio de sesión en dos pasos", "enrol_prompt": "Escanea este código QR con una app de autenticación o escribe en ella la clave de abajo. Después introduce el código de 6 dígitos que muestre.", "enrol_key": "Clave", "enrol_submit": "Confirmar", "recovery_title": "Tus códigos de recuperación", "recovery_prompt": "Cada código sirve una vez, si pierdes el teléfono. Guárdalos ahora en un lugar seguro: no se vuelven a mostrar.", "recovery_saved": "Ya los guardé", "wrong_code": "Código incorrecto. Inténtalo de nuevo.", "code_used": "Este código ya se usó: espera al siguiente en tu app.", "too_many_codes": "Demasiados códigos incorrectos. Inténtalo de nuevo en {s} segundos.", "recovery_left": "Código de recuperación aceptado: quedan {n}. Pide a un supervisor que restablezca tu autenticador."},
    ru: {"factor_title": "Двухэтапный вход", "factor_prompt": "Введите 6-значный код из приложения-аутентификатора или один из кодов восстановления.", "factor_code": "Код", "factor_submit": "Проверить", "factor_sign_out": "Выйти", "enrol_title": "Настройка двухэтапного входа", "enrol_prompt": "Отсканируйте QR-код приложением-аутентификатором или введите в него ключ ниже. Затем введите 6-значный код из приложения.", "enrol_key": "Ключ", "enrol_submit": "Подтвердить", "recovery_title": "Ваши коды восстановления", "recovery_prompt": "Каждый код срабатывает один раз, если вы потеряете телефон. Сохраните их сейчас в надёжном месте: больше они не покажутся.", "recovery_saved": "Я сохранил(а) их", "wrong_code": "Неверный код. Попробуйте ещё раз.", "code_used": "Этот код уже использован: дождитесь следующего в приложении.", "too_many_codes": "Слишком много неверных кодов. Повторите через {s} с.", "recovery_left": "Код восстановления принят: осталось {n}. Попросите супервайзера сбросить ваш аутентификатор."},
    ja: {"factor_title": "2 段階認証", "factor_prompt": "認証アプリに表示される 6 桁のコード、またはリカバリーコードを入力してください。", "factor_code": "コード", "factor_submit": "確認", "factor_sign_out": "サインアウト", "enrol_title": "2 段階認証の設定", "enrol_prompt": "認証アプリでこの QR コードを読み取るか、下のキーを入力してください。その後、アプリに表示される 6 桁のコードを入力してください。", "enrol_key": "キー", "enrol_submit": "確定", "recovery_title": "リカバリーコード", "recovery_prompt": "スマートフォンを紛失したとき、各コードは 1 回だけ使えます。今すぐ安全な場所に保存してください。再表示はされません。", "recovery_saved": "保存しました", "wrong_code": "コードが違います。もう一度お試しください。", "code_used": "このコードは使用済みです。アプリの次のコードをお待ちください。", "too_many_codes": "誤ったコードが多すぎます。{s} 秒後にもう一度お試しください。", "recovery_left": "リカバリーコードを受け付けました（残り {n} 個）。スーパーバイザーに認証アプリのリセットを依頼してください。"},
    ko: {"factor_title": "2단계 로그인", "factor_prompt": "인증 앱의 6자리 코드 또는 복구 코드 중 하나를 입력하세요.", "factor_code": "코드", "factor_submit": "확인", "factor_sign_out": "로그아웃", "enrol_title": "2단계 로그인 설정", "enrol_prompt": "인증 앱으로 이 QR 코드를 스캔하거나 아래 키를 직접 입력하세요. 그런 다음 앱에 표시된 6자리 코드를 입력하세요.", "enrol_key": "키", "enrol_submit": "확인", "recovery_title": "복구 코드", "recovery_prompt": "휴대폰을 잃어버렸을 때 각 코드는 한 번만 쓸 수 있습니다. 지금 안전한 곳에 저장하세요. 다시 표시되지 않습니다.", "recovery_saved": "저장했습니다", "wrong_code": "코드가 올바르지 않습니다. 다시 시도하세요.", "code_used": "이미 사용한 코드입니다. 앱의 다음 코드를 기다리세요.", "too_many_codes": "잘못된 코드가 너무 많습니다. {s}초 후에 다시 시도하세요.", "recovery_left": "복구 코드가 확인되었습니다. {n}개 남았습니다. 관리자에게 인증 앱 초기화를 요청하세요."},
    de: {"factor_title": "Anmeldung in zwei Schritten", "factor_prompt": "Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App oder einen Ihrer Wiederherstellungscodes ein.", "factor_code": "Code", "factor_submit": "Prüfen", "factor_sign_out": "Abmelden", "enrol_title": "Anmeldung in zwei Schritten einrichten", "enrol_prompt": "Scannen Sie diesen QR-Code mit einer Authenticator-App oder geben Sie den Schlüssel unten dort ein. Geben Sie dann den 6-stelligen Code ein, den sie anzeigt.", "enrol_key": "Schlüssel", "enrol_submit": "Bestätigen", "recovery_title": "Ihre Wiederherstellungscodes", "recovery_prompt": "Jeder Code funktioniert einmal, falls Sie Ihr Telefon verlieren. Bewahren Sie sie jetzt sicher auf: Sie werden nicht noch einmal angezeigt.", "recovery_saved": "Ich habe sie gespeichert", "wrong_code": "Falscher Code. Bitte erneut versuchen.", "code_used": "Dieser Code wurde schon verwendet: Warten Sie auf den nächsten in Ihrer App.", "too_many_codes": "Zu viele falsche Codes. Versuchen Sie es in {s} Sekunden erneut.", "recovery_left": "Wiederherstellungscode angenommen: noch {n} übrig. Bitten Sie eine Aufsicht, Ihren Authenticator zurückzusetzen."},
    fr: {"factor_title": "Connexion en deux étapes", "factor_prompt": "Saisissez le code à 6 chiffres de votre application d'authentification, ou l'un de vos codes de secours.", "factor_code": "Code", "factor_submit": "Vérifier", "factor_sign_out": "Se déconnecter", "enrol_title": "Configurer la connexion en deux étapes", "enrol_prompt": "Scannez ce code QR avec une application d'authentification, ou saisissez-y la clé ci-dessous. Entrez ensuite le code à 6 chiffres qu'elle affiche.", "enrol_key": "Clé", "enrol_submit": "Confirmer", "recovery_title": "Vos codes de secours", "recovery_prompt": "Chaque code fonctionne une fois, si vous perdez votre téléphone. Enregistrez-les maintenant en lieu sûr : ils ne seront plus affichés.", "recovery_saved": "Je les ai enregistrés", "wrong_code": "Code incorrect. Réessayez.", "code_used": "Ce code a déjà servi : attendez le suivant dans votre application.", "too_many_codes": "Trop de codes incorrects. Réessayez dans {s} secondes.", "recovery_left": "Code de secours accepté : il en reste {n}. Demandez à un superviseur de réinitialiser votre authentificateur."},
    tr: {"factor_title": "İki adımlı giriş", "factor_prompt": "Doğrulayıcı uygulamanızdaki 6 haneli kodu veya kurtarma kodlarınızdan birini girin.", "factor_code": "Kod", "factor_submit": "Doğrula", "factor_sign_out": "Çıkış yap", "enrol_title": "İki adımlı girişi kurun", "enrol_prompt": "Bu QR kodunu bir doğrulayıcı uygulamayla tarayın ya da aşağıdaki anahtarı uygulamaya yazın. Ardından uygulamanın gösterdiği 6 haneli kodu girin.", "enrol_key": "Anahtar", "enrol_submit": "Onayla", "recovery_title": "Kurtarma kodlarınız", "recovery_prompt": "Telefonunuzu kaybederseniz her kod bir kez çalışır. Şimdi güvenli bir yere kaydedin: bir daha gösterilmeyecekler.", "recovery_saved": "Kaydettim", "wrong_code": "Kod yanlış. Tekrar deneyin.", "code_used": "Bu kod zaten kullanıldı: uygulamanızdaki bir sonrakini bekleyin.", "too_many_codes": "Çok fazla yanlış kod. {s} saniye sonra tekrar deneyin.", "recovery_left": "Kurtarma kodu kabul edildi: {n} kaldı. Doğrulayıcınızı sıfırlaması için bir yöneticiye başvurun."},
    pt: {"factor_title": "Login em duas etapas", "factor_prompt": "Digite o código de 6 dígitos do seu aplicativo autenticador ou um dos seus códigos de recuperação.", "factor_code": "Código", "factor_submit": "Verificar", "factor_sign_out": "Sair", "enrol_title": "Configure o login em duas etapas", "enrol_prompt": "Escaneie este QR code com um aplicativo autenticador ou digite nele a chave abaixo. Depois, digite o código de 6 dígitos que ele mostrar.", "enrol_key": "Chave", "enrol_submit": "Confirmar", "recovery_title": "Seus códigos de recuperação", "recovery_prompt": "Cada código funciona uma vez, se você perder o celular. Guarde-os agora em um lugar seguro: eles não serão mostrados de novo.", "recovery_saved": "Já guardei", "wrong_code": "Código incorreto. Tente de novo.", "code_used": "Este código já foi usado: aguarde o próximo no aplicativo.", "too_many_codes": "Muitos códigos incorretos. Tente de novo em {s} segundos.", "recovery_left": "Código de recuperação aceito: restam {n}. Peça a um supervisor para redefinir seu autenticador."},
    it: {"factor_title": "Accesso in due passaggi", "factor_prompt": "Inserisci il codice a 6 cifre dell'app di autenticazione, oppure uno dei tuoi codici di recupero.", "factor_code": "Codice", "factor_submit": "Verifica", "factor_sign_out": "Esci", "enrol_title": "Configura l'accesso in due passaggi", "enrol_prompt": "Inquadra questo codice QR con un'app di autenticazione, oppure inserisci la chiave qui sotto. Poi inserisci il codice a 6 cifre che mostra.", "enrol_key": "Chiave", "enrol_submit": "Conferma", "recovery_title": "I tuoi codici di recupero", "recovery_prompt": "Ogni codice funziona una volta, se perdi il telefono. Salvali ora in un posto sicuro: non verranno mostrati di nuovo.", "recovery_saved": "Li ho salvati", "wrong_code": "Codice errato. Riprova.", "code_used": "Questo codice è già stato usato: attendi il prossimo nell'app.", "too_many_codes": "Troppi codici errati. Riprova tra {s} secondi.", "recovery_left": "Codice di recupero accettato: ne restano {n}. Chiedi a un supervisore di reimpostare il tuo autenticatore."},
    vi: {"factor_title": "Đăng nhập hai bước", "factor_prompt": "Nhập mã 6 chữ số từ ứng dụng xác thực, hoặc một trong các mã khôi phục của bạn.", "factor_code": "Mã", "factor_submit": "Xác minh", "factor_sign_out": "Đăng xuất", "enrol_title": "Thiết lập đăng nhập hai bước", "enrol_prompt": "Quét mã QR này bằng ứng dụng xác thực, hoặc nhập khóa bên dưới vào ứng dụng. Sau đó nhập mã 6 chữ số mà ứng dụng hiển thị.", "enrol_key": "Khóa", "enrol_submit": "Xác nhận", "recovery_title": "Mã khôi phục của bạn", "recovery_prompt": "Mỗi mã dùng được một lần nếu bạn mất điện thoại. Hãy lưu chúng ở nơi an toàn ngay bây giờ: chúng sẽ không hiển thị lại.", "recovery_saved": "Tôi đã lưu", "wrong_code": "Mã không đúng. Hãy thử lại.", "code_used": "Mã này đã được dùng: hãy chờ mã tiếp theo trong ứng dụng.", "too_many_codes": "Nhập sai quá nhiều lần. Hãy thử lại sau {s} giây.", "recovery_left": "Đã chấp nhận mã khôi phục: còn {n} mã. Hãy nhờ giám sát viên đặt lại ứng dụng xác thực của bạn."}
  };
  Object.keys(FACTOR_WORDS).forEach(function (lang) {
    Object.keys(FACTOR_WORDS[lang]).forEach(function (key) { WORDS[lang][key] = FACTOR_WORDS[lang][key]; });
  });
  // Incident mode (bot/incidents): the banner, the supervisors' form, the group card,
  // the dashboard's spike chart. Merged into WORDS, so say() speaks them.
  var INCIDENT_WORDS = {
    en: {"incident": "Incident", "incident_since": "since {time}", "incident_end": "End incident", "incident_declare": "Declare incident", "incident_template": "Template", "incident_english": "English banner (optional; other languages keep the template's text)", "incident_group": "Incident: {title} — {n} waiting", "incident_show": "Show", "incident_hide": "Hide", "incident_spike": "Incident spike (last hour, per minute)", "incident_messages": "messages about it", "incident_cases": "cases about it", "incident_none": "No incident declared"},
    zh: {"incident": "事件", "incident_since": "开始于 {time}", "incident_end": "结束事件", "incident_declare": "宣布事件", "incident_template": "模板", "incident_english": "英文公告（可选；其他语言使用模板文本）", "incident_group": "事件：{title} — {n} 个等待中", "incident_show": "展开", "incident_hide": "收起", "incident_spike": "事件高峰（最近一小时，每分钟）", "incident_messages": "相关消息", "incident_cases": "相关工单", "incident_none": "当前没有已宣布的事件"},
    es: {"incident": "Incidente", "incident_since": "desde {time}", "incident_end": "Finalizar incidente", "incident_declare": "Declarar incidente", "incident_template": "Plantilla", "incident_english": "Aviso en inglés (opcional; los demás idiomas usan el texto de la plantilla)", "incident_group": "Incidente: {title} — {n} en espera", "incident_show": "Mostrar", "incident_hide": "Ocultar", "incident_spike": "Pico del incidente (última hora, por minuto)", "incident_messages": "mensajes sobre él", "incident_cases": "casos sobre él", "incident_none": "No hay ningún incidente declarado"},
    ru: {"incident": "Инцидент", "incident_since": "с {time}", "incident_end": "Завершить инцидент", "incident_declare": "Объявить инцидент", "incident_template": "Шаблон", "incident_english": "Текст на английском (необязательно; для других языков — текст шаблона)", "incident_group": "Инцидент: {title} — ждут {n}", "incident_show": "Показать", "incident_hide": "Скрыть", "incident_spike": "Всплеск по инциденту (последний час, в минуту)", "incident_messages": "сообщения о нём", "incident_cases": "обращения о нём", "incident_none": "Инцидент не объявлен"},
    ja: {"incident": "インシデント", "incident_since": "{time} から", "incident_end": "インシデントを終了", "incident_declare": "インシデントを宣言", "incident_template": "テンプレート", "incident_english": "英語のお知らせ（任意。他の言語はテンプレートの文面）", "incident_group": "インシデント：{title} — {n} 件待ち", "incident_show": "表示", "incident_hide": "閉じる", "incident_spike": "インシデントの急増（直近 1 時間、毎分）", "incident_messages": "関連メッセージ", "incident_cases": "関連ケース", "incident_none": "宣言中のインシデントはありません"},
    ko: {"incident": "장애", "incident_since": "{time}부터", "incident_end": "장애 종료", "incident_declare": "장애 선언", "incident_template": "템플릿", "incident_english": "영어 공지(선택, 다른 언어는 템플릿 문구 사용)", "incident_group": "장애: {title} — {n}명 대기 중", "incident_show": "펼치기", "incident_hide": "접기", "incident_spike": "장애 급증(최근 1시간, 분당)", "incident_messages": "관련 메시지", "incident_cases": "관련 상담", "incident_none": "선언된 장애가 없습니다"},
    de: {"incident": "Störung", "incident_since": "seit {time}", "incident_end": "Störung beenden", "incident_declare": "Störung ausrufen", "incident_template": "Vorlage", "incident_english": "Englischer Hinweis (optional; andere Sprachen behalten den Text der Vorlage)", "incident_group": "Störung: {title} — {n} warten", "incident_show": "Anzeigen", "incident_hide": "Ausblenden", "incident_spike": "Störungsspitze (letzte Stunde, pro Minute)", "incident_messages": "Nachrichten dazu", "incident_cases": "Fälle dazu", "incident_none": "Keine Störung ausgerufen"},
    fr: {"incident": "Incident", "incident_since": "depuis {time}", "incident_end": "Clore l'incident", "incident_declare": "Déclarer un incident", "incident_template": "Modèle", "incident_english": "Bandeau en anglais (facultatif ; les autres langues gardent le texte du modèle)", "incident_group": "Incident : {title} — {n} en attente", "incident_show": "Afficher", "incident_hide": "Masquer", "incident_spike": "Pic de l'incident (dernière heure, par minute)", "incident_messages": "messages à ce sujet", "incident_cases": "dossiers à ce sujet", "incident_none": "Aucun incident déclaré"},
    tr: {"incident": "Olay", "incident_since": "{time} itibarıyla", "incident_end": "Olayı sonlandır", "incident_declare": "Olay bildir", "incident_template": "Şablon", "incident_english": "İngilizce duyuru (isteğe bağlı; diğer diller şablon metnini kullanır)", "incident_group": "Olay: {title} — {n} bekliyor", "incident_show": "Göster", "incident_hide": "Gizle", "incident_spike": "Olay artışı (son bir saat, dakika başına)", "incident_messages": "ilgili mesajlar", "incident_cases": "ilgili talepler", "incident_none": "Bildirilmiş bir olay yok"},
    pt: {"incident": "Incidente", "incident_since": "desde {time}", "incident_end": "Encerrar incidente", "incident_declare": "Declarar incidente", "incident_template": "Modelo", "incident_english": "Aviso em inglês (opcional; os outros idiomas mantêm o texto do modelo)", "incident_group": "Incidente: {title} — {n} aguardando", "incident_show": "Mostrar", "incident_hide": "Ocultar", "incident_spike": "Pico do incidente (última hora, por minuto)", "incident_messages": "mensagens sobre ele", "incident_cases": "casos sobre ele", "incident_none": "Nenhum incidente declarado"},
    it: {"incident": "Incidente", "incident_since": "dalle {time}", "incident_end": "Chiudi incidente", "incident_declare": "Dichiara incidente", "incident_template": "Modello", "incident_english": "Avviso in inglese (facoltativo; le altre lingue mantengono il testo del modello)", "incident_group": "Incidente: {title} — {n} in attesa", "incident_show": "Mostra", "incident_hide": "Nascondi", "incident_spike": "Picco dell'incidente (ultima ora, al minuto)", "incident_messages": "messaggi al riguardo", "incident_cases": "casi al riguardo", "incident_none": "Nessun incidente dichiarato"},
    vi: {"incident": "Sự cố", "incident_since": "từ {time}", "incident_end": "Kết thúc sự cố", "incident_declare": "Công bố sự cố", "incident_template": "Mẫu", "incident_english": "Thông báo tiếng Anh (không bắt buộc; các ngôn ngữ khác dùng nội dung của mẫu)", "incident_group": "Sự cố: {title} — {n} đang chờ", "incident_show": "Hiện", "incident_hide": "Ẩn", "incident_spike": "Đột biến do sự cố (một giờ qua, mỗi phút)", "incident_messages": "tin nhắn liên quan", "incident_cases": "yêu cầu liên quan", "incident_none": "Chưa có sự cố nào được công bố"}
  };
  Object.keys(INCIDENT_WORDS).forEach(function (lang) {
    Object.keys(INCIDENT_WORDS[lang]).forEach(function (key) { WORDS[lang][key] = INCIDENT_WORDS[lang][key]; });
  });
  var agentLang = "en";
  function say(key) { return (WORDS[agentLang] || WORDS.en)[key] || WORDS.en[key]; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function call(method, path, body) {
    var headers = { "content-type": "application/json" };
    if (method !== "GET") headers["x-csrf-token"] = csrf;
    return fetch(path, { method: method, headers: headers, credentials: "same-origin",
                         body: body ? JSON.stringify(body) : undefined })
      .then(function (response) {
        if (response.status === 401) { showLogin(); throw new Error("signed out"); }
        return response.json().then(function (data) {
          if (!response.ok) {
            var failure = new Error(data.detail || response.status);
            failure.code = data.code; failure.retryAfter = response.headers.get("Retry-After");
            throw failure;
          }
          return data;
        });
      });
  }

  // ---- sign-in ------------------------------------------------------------------------
  function showLogin() {
    if (stream) { stream.close(); stream = null; }
    clearInterval(heartbeatTimer); clearInterval(conversationTimer);
    $("console").hidden = true; $("second-factor").hidden = true; $("login").hidden = false;
    $("login-user").focus();
  }
  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    fetch("/api/v1/agent/login", {
      method: "POST", headers: { "content-type": "application/json" }, credentials: "same-origin",
      body: JSON.stringify({ username: $("login-user").value, password: $("login-password").value })
    }).then(function (response) {
      if (response.status === 429) {
        var wait = response.headers.get("Retry-After") || "a few";
        throw new Error("Too many failed sign-ins. Try again in " + wait + " seconds.");
      }
      if (!response.ok) throw new Error("Wrong username or password.");
      return response.json();
    }).then(function (session) {
      csrf = session.csrf_token; sessionStorage.setItem("sb.csrf", csrf);
      $("login-password").value = ""; $("login-error").textContent = "";
      secondStep(session.agent, session.second_factor);
    }, function (error) { $("login-error").textContent = error.message; });
  });
  $("logout").addEventListener("click", function () {
    call("POST", "/api/v1/agent/logout").finally(showLogin);
  });

  // ---- the second sign-in step: a code, or (the first time) enrolment --------------------
  // Until it is passed, the server refuses every other call with second_factor_required.
  function secondStep(agent, state) {
    if (state === "passed") { start(agent); return; }
    agentLang = WORDS[agent.languages[0]] ? agent.languages[0] : "en";
    document.documentElement.setAttribute("lang", agentLang);
    ["factor-code", "enrol-code"].forEach(function (id) { $(id).value = ""; });
    ["factor-error", "enrol-error"].forEach(function (id) { $(id).textContent = ""; });
    [["factor-prompt", "factor_prompt"], ["factor-code-label", "factor_code"],
     ["factor-submit", "factor_submit"], ["factor-logout", "factor_sign_out"],
     ["enrol-prompt", "enrol_prompt"], ["enrol-secret-label", "enrol_key"],
     ["enrol-code-label", "factor_code"], ["enrol-submit", "enrol_submit"],
     ["recovery-title", "recovery_title"], ["recovery-prompt", "recovery_prompt"],
     ["recovery-saved", "recovery_saved"]].forEach(function (pair) {
      $(pair[0]).textContent = say(pair[1]);
    });
    $("login").hidden = true; $("console").hidden = true; $("second-factor").hidden = false;
    $("recovery").hidden = true;
    $("factor-form").hidden = state !== "verify"; $("enrol").hidden = state !== "enrol";
    $("factor-title").textContent = say(state === "enrol" ? "enrol_title" : "factor_title");
    if (state === "verify") { $("factor-code").focus(); return; }
    call("POST", "/api/v1/agent/second-factor/enrol").then(function (enrolment) {
      $("enrol-qr").src = enrolment.qr_svg;  // a data: URI made by the server
      $("enrol-secret").textContent = enrolment.secret.replace(/(.{4})(?=.)/g, "$1 ");
      $("enrol-code").focus();
    }, function (error) {
      if (error.code === "already_enrolled") secondStep(agent, "verify");
      else $("enrol-error").textContent = error.message;
    });
  }
  function codeRefused(error) {
    if (error.code === "too_many_tries") return say("too_many_codes").replace("{s}", error.retryAfter || "60");
    if (error.code === "wrong_code") return say("wrong_code");
    if (error.code === "code_already_used") return say("code_used");
    return error.message;
  }
  function enterConsole(notice) {
    call("GET", "/api/v1/agent/me").then(function (me) {
      $("second-factor").hidden = true; $("enrol-qr").removeAttribute("src");
      $("enrol-secret").textContent = ""; $("recovery-codes").textContent = "";
      start(me);
      if (notice) $("queue-error").textContent = notice;
    }, function () { showLogin(); });
  }
  $("factor-form").addEventListener("submit", function (event) {
    event.preventDefault();
    call("POST", "/api/v1/agent/second-factor/verify", { code: $("factor-code").value.trim() })
      .then(function (result) {
        $("factor-code").value = "";
        enterConsole(result.recovery_used ? say("recovery_left").replace("{n}", result.recovery_left) : "");
      }, function (error) { $("factor-error").textContent = codeRefused(error); });
  });
  $("enrol-form").addEventListener("submit", function (event) {
    event.preventDefault();
    call("POST", "/api/v1/agent/second-factor/enrol/confirm", { code: $("enrol-code").value.trim() })
      .then(function (result) {
        $("enrol").hidden = true; $("factor-logout").hidden = true; $("recovery").hidden = false;
        $("recovery-codes").textContent = "";
        result.recovery_codes.forEach(function (code) {
          $("recovery-codes").appendChild(el("li", {}, code));
        });
        $("recovery-saved").focus();
      }, function (error) { $("enrol-error").textContent = codeRefused(error); });
  });
  $("recovery-saved").addEventListener("click", function () {
    $("factor-logout").hidden = false; enterConsole("");
  });
  $("factor-logout").addEventListener("click", function () {
    call("POST", "/api/v1/agent/logout").finally(showLogin);
  });

  function start(agent) {
    $("login").hidden = true; $("console").hidden = false;
    agentLang = WORDS[agent.languages[0]] ? agent.languages[0] : "en";
    document.documentElement.setAttribute("lang", agentLang);
    $("offline").textContent = say("offline"); $("user-typing").textContent = say("user_typing");
    $("me").textContent = agent.display_name + " (" + agent.languages.join(", ") + ")";
    listen();
    loadIncident();
    heartbeatTimer = setInterval(heartbeat, 20000);
    heartbeat();
    var reopen = sessionStorage.getItem("sb.open");
    if (reopen) openConversation(Number(reopen));
  }

  // ---- connection: a stale queue says so ---------------------------------------------------
  function listen() {
    if (stream) stream.close();
    stream = new EventSource("/api/v1/agent/stream");
    stream.addEventListener("queue", function (event) { online(true); renderQueue(JSON.parse(event.data)); });
    stream.onopen = function () { online(true); };
    stream.onerror = function () {
      online(false);
      // The session may have expired (the answer shows the sign-in) or the server is down:
      // a closed stream is reopened by hand, a broken one reconnects by itself.
      call("GET", "/api/v1/agent/me").catch(function () {});
      if (stream && stream.readyState === EventSource.CLOSED) {
        setTimeout(function () { if (!$("console").hidden) listen(); }, 3000);
      }
    };
  }
  function heartbeat() {
    call("POST", "/api/v1/agent/heartbeat").then(function () { online(true); },
                                                 function () { online(false); });
  }
  function online(up) {
    $("offline").hidden = up;
    document.body.classList.toggle("stale", !up);
  }

  // ---- new work announces itself: tab title, sound, desktop notification ---------------------
  var announced = null;        // queue ids already seen (null until the first snapshot)
  var audio = null;
  $("sound").checked = localStorage.getItem("sb.sound") === "on";
  $("sound").addEventListener("change", function () {
    localStorage.setItem("sb.sound", $("sound").checked ? "on" : "off");
    if ($("sound").checked) beep();  // also unlocks audio, which needs a click
  });
  $("notify").hidden = !("Notification" in window);
  $("notify").addEventListener("click", function () {
    Notification.requestPermission().then(function (answer) {
      $("notify").textContent = answer === "granted" ? "Desktop alerts on" : "Desktop alerts blocked";
    });
  });
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880; gain.gain.value = 0.08;
      tone.connect(gain); gain.connect(audio.destination);
      tone.start(); tone.stop(audio.currentTime + 0.18);
    } catch (e) { /* no audio device: the title and the list still say it */ }
  }
  var lastSnapshot = { items: [], mine: [] };
  // The tab title counts who waits and what is unread; redone when either changes here too
  // (opening a conversation reads it), not only when the server sends a new queue.
  function retitle() {
    var count = lastSnapshot.items.length + lastSnapshot.mine.filter(isUnread).length;
    document.title = (count ? "(" + count + ") " : "") + "supportbot — agent console";
  }
  function announce(snapshot) {
    lastSnapshot = snapshot;
    retitle();
    var fresh = snapshot.items.filter(function (item) { return announced && !announced[item.id]; });
    announced = announced || {};
    snapshot.items.forEach(function (item) { announced[item.id] = true; });
    if (!fresh.length) return;
    if ($("sound").checked) beep();
    if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
      var first = fresh[0];
      new Notification(first.priority + " · " + first.lang + " · " + (first.intent || "new conversation"),
                       { body: first.summary.slice(0, 160), tag: "sb-queue-" + first.id });
    }
  }
  // A conversation this agent holds has a user message newer than the last one shown here.
  function seenUpTo(handoffId) { return Number(sessionStorage.getItem("sb.seen." + handoffId) || 0); }
  function isUnread(item) { return item.id !== current && item.last_user_message_id > seenUpTo(item.id); }

  // ---- queue ----------------------------------------------------------------------------
  function renderQueue(snapshot) {
    announce(snapshot);
    queueItems = snapshot.items;
    incidentGroups = snapshot.groups || [];
    if ("incident" in snapshot) renderIncident(snapshot.incident);
    snapshot.items.forEach(function (item) {
      if (!languages[item.lang]) {
        languages[item.lang] = true;
        $("lang-filter").appendChild(el("option", { value: item.lang }, item.lang));
      }
    });
    drawQueue();
    var mine = $("mine"); mine.textContent = "";
    snapshot.mine.forEach(function (item) {
      var li = el("li", { "data-handoff": String(item.id) });
      if (isUnread(item)) {
        li.classList.add("unread");
        li.appendChild(el("span", { "class": "dot", title: "New message" }, "\u25cf"));
      }
      li.appendChild(el("span", { "class": "badge " + item.priority }, item.priority));
      li.appendChild(document.createTextNode(" " + item.lang + " · " + (item.intent || "?") + " "));
      var open = el("button", { type: "button" }, "Open");
      open.addEventListener("click", function () { openConversation(item.id); });
      li.appendChild(open);
      mine.appendChild(li);
    });
  }
  function drawQueue() {
    var filter = $("lang-filter").value;
    var list = $("queue"); list.textContent = "";
    var shown = queueItems.filter(function (item) { return !filter || item.lang === filter; });
    if (!shown.length) list.appendChild(el("li", { "class": "empty" }, say("empty")));
    shown
      .forEach(function (item) {
        var li = el("li", { "data-handoff": String(item.id), "data-deadline": String(item.sla_deadline) });
        li.appendChild(el("span", { "class": "badge " + item.priority }, item.priority));
        li.appendChild(identityBadge(item.identity));
        li.appendChild(el("span", { "class": "sla" }));
        li.appendChild(el("div", {}, item.lang + " · " + (item.intent || "?") + " · " + item.reason));
        li.appendChild(el("div", { "class": "summary" }, item.summary));
        var claim = el("button", { type: "button", "class": "claim" }, "Claim");
        claim.addEventListener("click", function () {
          call("POST", "/api/v1/agent/handoffs/" + item.id + "/claim").then(function () {
            $("queue-error").textContent = "";
            openConversation(item.id);
          }, function (error) { $("queue-error").textContent = inWords(error.message); });
        });
        li.appendChild(claim);
        list.appendChild(li);
      });
    foldGroups(list);
    tickSla();
  }
  function tickSla() {
    if (document.body.classList.contains("stale")) return;  // a stale queue's timers mean nothing
    var now = Date.now() / 1000;
    document.querySelectorAll("#queue li[data-deadline]").forEach(function (li) {
      var left = Math.round(Number(li.getAttribute("data-deadline")) - now);
      var label = left >= 0 ? "SLA " + Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2)
                            : "SLA breached " + Math.floor(-left / 60) + " min";
      li.querySelector(".sla").textContent = label;
      li.classList.toggle("breached", left < 0);
    });
  }
  setInterval(tickSla, 1000);
  $("lang-filter").addEventListener("change", drawQueue);
  // The oldest, most urgent conversation this agent may take (priority, then waiting time).
  $("take-next").addEventListener("click", function () {
    call("POST", "/api/v1/agent/handoffs/next").then(function (data) {
      $("queue-error").textContent = "";
      openConversation(data.handoff_id);
    }, function (error) {
      $("queue-error").textContent = error.message === "nothing in the queue for you"
        ? say("nobody_for_you") : inWords(error.message);
    });
  });

  // ---- conversation -----------------------------------------------------------------------
  function openConversation(handoffId) {
    saveDraft();
    current = handoffId; lastMessageId = 0;
    var held = document.querySelector('#mine li[data-handoff="' + handoffId + '"]');
    if (held) { held.classList.remove("unread"); if (held.querySelector(".dot")) held.querySelector(".dot").remove(); }
    sessionStorage.setItem("sb.open", String(handoffId));
    $("transcript").textContent = ""; $("conv-error").textContent = "";
    $("conv").hidden = false; $("conv-empty").hidden = true;
    $("reply").value = sessionStorage.getItem("sb.draft." + handoffId) || "";
    refreshConversation(true);
    clearInterval(conversationTimer);
    conversationTimer = setInterval(function () { refreshConversation(false); }, 2000);
    call("GET", "/api/v1/agent/handoffs/" + handoffId + "/suggestions").then(renderSuggestions);
    loadTransferTargets();
  }
  // Only colleagues who are online and have room are offered (the server checks again).
  function loadTransferTargets() {
    call("GET", "/api/v1/agent/transfer-targets").then(function (targets) {
      var select = $("transfer-to"); select.textContent = "";
      targets.forEach(function (t) {
        select.appendChild(el("option", { value: t.username },
          t.display_name + " (" + t.languages.join(", ") + " · " + t.free + " free)"));
      });
      if (!targets.length) select.appendChild(el("option", { value: "" }, "No colleague online with room"));
      $("transfer").disabled = !targets.length;
    }, function () { /* the list stays as it was */ });
  }
  $("transfer-to").addEventListener("focus", loadTransferTargets);
  function refreshConversation(withPacket) {
    if (!current) return;
    var id = current;
    call("GET", "/api/v1/agent/handoffs/" + id + "?after=" + lastMessageId).then(function (data) {
      if (id !== current) return;
      // The packet is live: redrawn whenever the case or what is known about it changed.
      var packetNow = JSON.stringify([data.handoff, data.packet, data.conversation]);
      if (withPacket || packetNow !== shownPacket) { shownPacket = packetNow; renderPacket(data); }
      data.messages.forEach(function (m) {
        var li = el("li", { "class": m.author, "data-id": String(m.id) });
        li.appendChild(el("span", { "class": "who" }, m.author === "agent" ? (m.author_name || "agent") : m.author));
        // A quick-reply button reads as what the user pressed, not as a slash command.
        li.appendChild(m.attachment ? fileView(m.attachment)
                       : m.button ? el("span", { "class": "text button" }, "\u25b8 " + m.button)
                       : m.author === "user" ? el("span", { "class": "text" }, m.text)
                       : renderRich(el("div", { "class": "text" }), m.text));
        $("transcript").appendChild(li);
        lastMessageId = Math.max(lastMessageId, m.id);
        if (m.id > seenUpTo(id)) { sessionStorage.setItem("sb.seen." + id, String(m.id)); retitle(); }
      });
      if (data.messages.length) $("transcript").scrollTop = $("transcript").scrollHeight;
      $("user-typing").hidden = !(data.typing && data.typing.user);
    }).catch(function () {});
  }
  // A file in the conversation: an image's thumbnail or the PDF's name; both open the file.
  function fileView(file) {
    var url = "/api/v1/agent/attachments/" + encodeURIComponent(file.id);
    var link = el("a", { href: url, target: "_blank", rel: "noopener noreferrer", "class": "text file" });
    if (file.thumbnail) {
      link.appendChild(el("img", { src: url + "?thumbnail=true", alt: file.name, "class": "thumb" }));
    } else {
      link.textContent = "\ud83d\udcc4 " + file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
    }
    return link;
  }
  $("attach").addEventListener("click", function () { $("file").click(); });
  $("file").setAttribute("accept", (CONFIG.attachment_types || []).join(","));
  $("file").addEventListener("change", function () {
    var file = $("file").files && $("file").files[0];
    $("file").value = "";
    if (!file || !current) return;
    if (file.size > CONFIG.attachment_bytes) {
      $("conv-error").textContent = say("file_too_large").replace(
        "{mb}", String(Math.round(CONFIG.attachment_bytes / 1048576)));
      return;
    }
    fetch("/api/v1/agent/handoffs/" + current + "/attachments?filename=" + encodeURIComponent(file.name), {
      method: "POST", credentials: "same-origin", body: file,
      headers: { "content-type": file.type || "application/octet-stream", "x-csrf-token": csrf }
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.detail || response.status);
        $("conv-error").textContent = "";
        refreshConversation(false);
      });
    }).catch(function (error) { $("conv-error").textContent = inWords(error.message); });
  });
  // The trader's own "freeze withdrawals now" (bot/ops): what the exchange said.
  function freezeNote(freeze) {
    function when(t) { return t ? new Date(t * 1000).toLocaleString() : "?"; }
    if (freeze.state === "frozen") return "frozen at " + when(freeze.at) + " by the trader";
    if (freeze.state === "failed") return "freeze requested by the trader at " + when(freeze.requested_at) + " FAILED (the exchange did not confirm): act on the account";
    return "freeze requested by the trader at " + when(freeze.requested_at) + ", waiting for the exchange";
  }
  function renderPacket(data) {
    var packet = data.packet || {}, dl = $("packet");
    dl.textContent = "";
    function row(name, value) {
      dl.appendChild(el("dt", {}, name));
      dl.appendChild(el("dd", {}, value === undefined || value === null || value === "" ? "—" : value));
    }
    row("Case", "#" + data.handoff.id + " · " + data.handoff.status);
    var identity = packet.identity || { verified: false }, who = el("dd");
    who.appendChild(identityBadge(identity));
    if (identity.verified) {
      who.appendChild(document.createTextNode(" UID " + identity.uid + (identity.email ? " · " + identity.email : "") +
                                              " · " + say("id_via").replace("{via}", identity.via)));
    }
    dl.appendChild(el("dt", {}, "Identity")); dl.appendChild(who);
    showIdentityWarning(!!packet.identity_warning);
    row("Channel", data.conversation.channel + (data.conversation.user ? " · " + data.conversation.user : ""));
    row("Language", packet.lang + (packet.script ? " (" + packet.script + ")" : ""));
    row("Intent", (packet.intent || "?") + " · confidence " + Math.round((packet.confidence || 0) * 100) + "%");
    row("Urgency", data.handoff.priority);
    row("Reason", packet.reason_text || data.handoff.reason);
    if (packet.withdrawals_freeze) row("Withdrawals", freezeNote(packet.withdrawals_freeze));
    row("Entities", (packet.entities || []).map(function (e) { return e.label + ": " + e.text; }).join("\n"));
    row("FAQ answers tried", (packet.faq_tried || []).map(function (t) { return t.question; }).join("\n"));
    row("Confidence trail", (packet.confidence_trail || []).map(function (t) {
      return t.intent + " " + Math.round(t.confidence * 100) + "% " + t.urgency; }).join("\n"));
    row("Summary", packet.summary);
  }
  function renderSuggestions(data) {
    var list = $("suggestions"); list.textContent = "";
    data.suggestions.forEach(function (s) {
      var li = el("li");
      li.appendChild(el("div", { "class": "q" }, s.question));
      var insert = el("button", { type: "button", "class": "insert" }, "Insert");
      insert.addEventListener("click", function () {
        var box = $("reply");
        box.value = box.value ? box.value + "\n\n" + s.text : s.text;
        box.focus(); saveDraft();
      });
      li.appendChild(insert);
      list.appendChild(li);
    });
  }
  function saveDraft() {
    if (current) sessionStorage.setItem("sb.draft." + current, $("reply").value);
  }
  // The trader sees "<name> typing…" while the agent writes (a mark every few seconds).
  var typedAt = 0;
  $("reply").addEventListener("input", function () {
    saveDraft();
    if (!current || Date.now() - typedAt < 3000 || !$("reply").value.trim()) return;
    typedAt = Date.now();
    call("POST", "/api/v1/agent/handoffs/" + current + "/typing", { active: true }).catch(function () {});
  });
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply").value.trim();
    if (!text || !current) return;
    if (needsConfirmation()) {  // account-changing help asked by an unverified trader
      $("identity-confirm").hidden = false; $("identity-confirm").focus();
      $("conv-error").textContent = say("id_confirm_first");
      return;
    }
    call("POST", "/api/v1/agent/handoffs/" + current + "/reply", { text: text }).then(function () {
      typedAt = 0; $("conv-error").textContent = "";
      $("reply").value = ""; sessionStorage.removeItem("sb.draft." + current);
      refreshConversation(false);
    }, function (error) { $("conv-error").textContent = inWords(error.message); });
  });
  // ---- identity ---------------------------------------------------------------------------
  // "Verified" when the exchange vouched for the trader (signed widget token, linked
  // Telegram account); an account-changing case of an unverified one needs a confirmed
  // first reply.
  var identityWarning = false;
  function identityBadge(identity) {
    var verified = !!(identity && identity.verified);
    return el("span", { "class": "idbadge " + (verified ? "verified" : "unverified") },
              verified ? "\u2714 " + say("id_verified") : say("id_unverified"));
  }
  function showIdentityWarning(on) {
    identityWarning = on;
    $("identity-warning-text").textContent = say("id_warning");
    $("identity-confirm").textContent = say("id_confirm");
    $("identity-warning").hidden = !on;
    if (!on || !needsConfirmation()) $("identity-confirm").hidden = true;
  }
  function needsConfirmation() {
    return identityWarning && current && !sessionStorage.getItem("sb.idok." + current);
  }
  $("identity-confirm").addEventListener("click", function () {
    if (current) sessionStorage.setItem("sb.idok." + current, "1");
    $("identity-confirm").hidden = true; $("conv-error").textContent = "";
    $("reply-form").requestSubmit();
  });
  // The API's short codes and refusals, said in words in the agent's language (errors
  // show inline and clear on success); a sentence not recognised is shown as it came.
  function inWords(message) {
    if (WORDS.en[message]) return say(message);
    var known = [[/not yours to read/, "not_yours"], [/not yours|not your conversation/, "conflict"],
                 [/is offline/, "target_offline"], [/has no room/, "target_full"]];
    for (var i = 0; i < known.length; i++) if (known[i][0].test(message)) return say(known[i][1]);
    return message;
  }
  function act(path, body, done) {
    call("POST", "/api/v1/agent/handoffs/" + current + path, body).then(done || function () {
      $("conv-error").textContent = "";
      sessionStorage.removeItem("sb.open"); current = null;
      clearInterval(conversationTimer);
      $("conv").hidden = true; $("conv-empty").hidden = false; $("packet").textContent = "";
    }, function (error) { $("conv-error").textContent = inWords(error.message); });
  }
  $("release").addEventListener("click", function () { act("/release"); });
  $("transfer").addEventListener("click", function () { act("/transfer", { to: $("transfer-to").value }); });
  $("close").addEventListener("click", function () {
    act("/close", { resolution: $("resolution").value || "resolved" });
  });

  // ---- incident mode: the banner, the supervisors' form, the group card ---------------------
  var incidentGroups = [], groupOpen = {}, canDeclare = false, templatesLoaded = false;
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return values[key] === undefined ? all : String(values[key]);
    });
  }
  function labelIncident() {
    [["incident-label", "incident"], ["incident-end", "incident_end"],
     ["incident-template-label", "incident_template"], ["incident-en-label", "incident_english"],
     ["incident-start", "incident_declare"]].forEach(function (pair) {
      $(pair[0]).textContent = say(pair[1]);
    });
  }
  function loadIncident() {
    labelIncident();
    call("GET", "/api/v1/agent/incident").then(function (data) {
      canDeclare = data.can_declare;
      if (canDeclare && !templatesLoaded) {
        templatesLoaded = true;
        var select = $("incident-template"); select.textContent = "";
        data.templates.forEach(function (t) {
          select.appendChild(el("option", { value: t.name, title: t.banner_en }, t.title));
        });
      }
      renderIncident(data.incident);
    }).catch(function () { /* the queue stream brings it too */ });
  }
  // Every agent sees what traders are told (in English, the desk's language).
  function renderIncident(incident) {
    if (incident) {
      $("incident-title").textContent = incident.title;
      var at = new Date(incident.started_at * 1000);
      $("incident-since").textContent = "(" + fill(say("incident_since"), {
        time: ("0" + at.getHours()).slice(-2) + ":" + ("0" + at.getMinutes()).slice(-2) }) + ")";
      $("incident-text").textContent = incident.banner.en || "";
    }
    $("incident").hidden = !incident;
    $("incident-end").hidden = !(incident && canDeclare);
    $("incident-form").hidden = !(canDeclare && !incident);
  }
  $("incident-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = { template: $("incident-template").value };
    var english = $("incident-en").value.trim();
    if (english) body.banner_en = english;
    call("POST", "/api/v1/agent/incident", body).then(function (data) {
      $("incident-error").textContent = ""; $("incident-en").value = "";
      renderIncident(data.incident);
    }, function (error) { $("incident-error").textContent = inWords(error.message); });
  });
  $("incident-end").addEventListener("click", function () {
    call("POST", "/api/v1/agent/incident/end").then(function () {
      $("incident-error").textContent = ""; incidentGroups = []; renderIncident(null); drawQueue();
    }, function (error) { $("incident-error").textContent = inWords(error.message); });
  });
  // The cases about the incident fold into one card that expands (the server never puts
  // a P1 in the group: it stays a card of its own at the top).
  function foldGroups(list) {
    incidentGroups.forEach(function (group) {
      var members = group.handoff_ids.map(function (id) {
        return list.querySelector(':scope > li[data-handoff="' + id + '"]');
      }).filter(Boolean);
      if (!members.length) return;
      var open = !!groupOpen[group.incident_id];
      var card = el("li", { "class": "group", "data-incident": String(group.incident_id) });
      var head = el("div", { "class": "group-head" });
      head.appendChild(el("span", { "class": "badge " + group.top_priority }, group.top_priority));
      head.appendChild(el("strong", { "class": "group-title" },
                          fill(say("incident_group"), { title: group.title, n: members.length })));
      var toggle = el("button", { type: "button", "class": "group-toggle",
                                  "aria-expanded": String(open) },
                      say(open ? "incident_hide" : "incident_show"));
      head.appendChild(toggle);
      card.appendChild(head);
      var inner = el("ol", { "class": "group-members queue" });
      inner.hidden = !open;
      list.insertBefore(card, members[0]);
      members.forEach(function (li) { inner.appendChild(li); });
      card.appendChild(inner);
      toggle.addEventListener("click", function () {
        groupOpen[group.incident_id] = !groupOpen[group.incident_id];
        inner.hidden = !groupOpen[group.incident_id];
        toggle.setAttribute("aria-expanded", String(groupOpen[group.incident_id]));
        toggle.textContent = say(groupOpen[group.incident_id] ? "incident_hide" : "incident_show");
      });
    });
  }
  // The dashboard's spike: one column per minute of the last hour (messages about the
  // incident, and the cases they opened in front).
  function spikeChart(messages, cases) {
    var NS = "http://www.w3.org/2000/svg";
    var max = Math.max.apply(null, messages.concat(cases).concat([1]));
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 240 64"); svg.setAttribute("role", "img");
    svg.setAttribute("data-chart", "incident-spike");
    [[messages, "#0b5fff", 0], [cases, "#d97706", 2]].forEach(function (serie) {
      serie[0].forEach(function (value, minute) {
        if (!value) return;
        var bar = document.createElementNS(NS, "rect");
        var height = Math.max(1, 60 * value / max);
        bar.setAttribute("x", String(minute * 4 + serie[2] / 2)); bar.setAttribute("width", String(4 - serie[2]));
        bar.setAttribute("y", String(62 - height)); bar.setAttribute("height", String(height));
        bar.setAttribute("fill", serie[1]);
        svg.appendChild(bar);
      });
    });
    return svg;
  }
  function sum(values) { return values.reduce(function (a, b) { return a + b; }, 0); }

  // ---- dashboard ------------------------------------------------------------------------
  function tab(name) {
    $("queue-view").hidden = name !== "queue"; $("dashboard-view").hidden = name !== "dashboard";
    $("tab-queue").setAttribute("aria-pressed", String(name === "queue"));
    $("tab-dashboard").setAttribute("aria-pressed", String(name === "dashboard"));
    if (name === "dashboard") call("GET", "/api/v1/agent/dashboard").then(renderDashboard);
  }
  $("tab-queue").addEventListener("click", function () { tab("queue"); });
  $("tab-dashboard").addEventListener("click", function () { tab("dashboard"); });

  function bars(values) {
    var NS = "http://www.w3.org/2000/svg";
    var keys = Object.keys(values), max = Math.max.apply(null, keys.map(function (k) { return values[k]; }).concat([1]));
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 240 " + (keys.length * 18 + 4));
    svg.setAttribute("role", "img");
    keys.forEach(function (key, i) {
      var label = document.createElementNS(NS, "text");
      label.setAttribute("x", "0"); label.setAttribute("y", String(i * 18 + 13));
      label.setAttribute("font-size", "10"); label.textContent = key;
      var bar = document.createElementNS(NS, "rect");
      bar.setAttribute("x", "110"); bar.setAttribute("y", String(i * 18 + 3));
      bar.setAttribute("height", "12"); bar.setAttribute("fill", "#0b5fff");
      bar.setAttribute("width", String(Math.max(1, 110 * values[key] / max)));
      var count = document.createElementNS(NS, "text");
      count.setAttribute("x", "225"); count.setAttribute("y", String(i * 18 + 13));
      count.setAttribute("font-size", "10"); count.textContent = String(values[key]);
      svg.appendChild(label); svg.appendChild(bar); svg.appendChild(count);
    });
    return svg;
  }
  function tile(title, value, chart) {
    var box = el("section", { "class": "tile", "data-tile": title });
    box.appendChild(el("h3", {}, title));
    box.appendChild(el("div", { "class": "value" }, value));
    if (chart) box.appendChild(chart);
    $("dashboard").appendChild(box);
  }
  function renderDashboard(d) {
    $("dashboard").textContent = "";
    tile("Conversations", d.conversations, bars(d.conversations_per_day));
    tile("Bot-resolved share", d.deflection === null ? "—" : Math.round(d.deflection * 100) + "%",
         bars({ "without a human": d.conversations - d.handed_off, "handed off": d.handed_off }));
    tile("Handoffs by reason", d.handed_off, bars(d.handoffs_by_reason));
    tile("Wait (median / p90)", d.wait_seconds.median === null ? "—" :
         Math.round(d.wait_seconds.median) + " s / " + Math.round(d.wait_seconds.p90) + " s",
         bars({ median: Math.round(d.wait_seconds.median || 0), p90: Math.round(d.wait_seconds.p90 || 0) }));
    tile("CSAT average", d.csat.average === null ? "—" : d.csat.average + " (" + d.csat.n + ")",
         bars(d.csat.distribution));
    if (d.incident) {
      var spike = d.incident;
      tile(say("incident_spike"), (spike.active ? spike.active.title + ": " : "") +
           sum(spike.messages_per_minute) + " " + say("incident_messages") + " · " +
           sum(spike.handoffs_per_minute) + " " + say("incident_cases"),
           spikeChart(spike.messages_per_minute, spike.handoffs_per_minute));
    }
  }

  call("GET", "/api/v1/agent/me").then(function (me) {
    csrf = me.csrf_token; sessionStorage.setItem("sb.csrf", csrf); start(me);
  }, function (error) {
    if (error.code !== "second_factor_required") { showLogin(); return; }
    // Signed in with the password only (a reload between the two steps).
    call("GET", "/api/v1/agent/second-factor").then(function (status) {
      secondStep(status, status.state);
    }, function () { showLogin(); });
  });
})();
