"""The site's words in Japanese (default) and English: one catalog, chosen per request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from flask import g, request, session, url_for

from core.domain import dates

LANGUAGES = ("ja", "en")
T = TypeVar("T")

CATALOG: dict[str, tuple[str, str]] = {
    "site_title": ("藤沢市 マイナンバーカード窓口予約", "Fujisawa City: My Number card counter booking"),
    "meta_description": (
        "藤沢市のマイナンバーカード窓口（受取・更新・電子証明書・申請サポート）の予約。"
        "24時間いつでも予約・変更・取消ができます。",
        "Book a Fujisawa City counter visit for your My Number card "
        "(pickup, renewal, certificates, application help); change or cancel at any time.",
    ),
    "skip": ("本文へ移動", "Skip to main content"),
    "home": ("トップ", "Home"),
    "lookup_link": ("予約の確認・変更・取消", "View, change or cancel a booking"),
    "choose_procedure": ("手続きを選んでください", "Choose a procedure"),
    "intro": (
        "24時間いつでも予約・変更・取消ができます。予約は1日前から2か月先まで受け付けます。",
        "Book, change or cancel at any time. Bookings open up to two months ahead, until the day before.",
    ),
    "duration": ("所要時間", "Takes about"),
    "minutes": ("分", " min"),
    "bring": ("持ち物", "Please bring"),
    "choose_venue": ("場所を選んでください", "Choose a place"),
    "choose_day": ("日にちを選んでください", "Choose a day"),
    "choose_time": ("時間を選んでください", "Choose a time"),
    "legend_title": ("記号の見かた", "What the marks mean"),
    "legend_free": ("空きあり", "Free: seats are open"),
    "legend_few": (
        "残りわずか: 空きが定員の{pct}%以下か、残り1人分の時間。日付では、空きが少ない日か、"
        "空いている時間がどれも残りわずかの日",
        "Few left: a time with at most {pct}% of its seats or a single seat still free. On the calendar: a "
        "day with few free seats, or whose every free time has few left",
    ),
    "legend_full": ("満席: 空きがありません", "Full: no seats left"),
    "legend_none": (
        "受付なし: 閉庁日・予約期間外など",
        "Closed: no bookings that day (holiday, outside the window)",
    ),
    "prev_month": ("前の月", "Previous month"),
    "next_month": ("次の月", "Next month"),
    "weekdays": ("月,火,水,木,金,土,日", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
    "mark_○": ("空きあり", "free"),
    "mark_△": ("残りわずか", "few left"),
    "mark_×": ("満席", "full"),
    "mark_-": ("受付なし", "closed"),
    "no_slots": ("この日に予約できる時間はありません。", "No times can be booked on this day."),
    "party_size": ("来庁する人数", "Number of people"),
    "party_hint": ("家族でまとめて予約できます(最大{n}名)", "Book for your family in one visit (up to {n})"),
    "seats_left": ("残り{n}", "{n} left"),
    "compare_title": ("同じ日のほかの場所", "Other places on the same day"),
    "compare_hint": (
        "この手続きができるほかの場所の、同じ日の空き状況です。",
        "How free the same day is at the other places offering this procedure.",
    ),
    "compare_free_times": ("空いている時間", "Free times"),
    "compare_status": ("状況", "Status"),
    "free_times": ("{n}枠", "{n}"),
    "this_venue": ("(表示中)", "(shown above)"),
    "hold_button": ("この時間で進む", "Continue with this time"),
    "back": ("戻る", "Back"),
    "held_until": ("この時間を{t}まで確保しています。", "We hold this time for you until {t}."),
    "details": ("予約者の情報", "Your details"),
    "name": ("氏名", "Name"),
    "name_kana": ("氏名(フリガナ)", "Name in katakana (フリガナ)"),
    "kana_hint": (
        "カタカナで入力してください。ひらがなはカタカナに直します(例: フジサワ タロウ)",
        "Katakana, e.g. フジサワ タロウ (hiragana is turned into katakana)",
    ),
    "phone": ("電話番号", "Phone number"),
    "phone_hint": ("当日連絡がつく番号(例: 0466-25-1111)", "A number we can reach you on that day"),
    "email": ("メールアドレス(任意)", "Email (optional)"),
    "email_hint": (
        "確認メールと前日のお知らせをお送りします",
        "We send a confirmation and reminders before your visit",
    ),
    "birth_date": ("生年月日", "Date of birth"),
    "birth_hint": (
        "数字8桁で入力できます(例: 19641101)。1964/11/1 や 昭和39年11月1日 も使えます",
        "8 digits: year, month, day, e.g. 19641101 (1964/11/1 also works)",
    ),
    "notice_no": ("交付通知書の番号", "Number on the pickup notice (交付通知書)"),
    "notice_hint": (
        "英数字3文字-数字6桁(例: A1B-123456)",
        "3 letters/digits, a hyphen, 6 digits (A1B-123456)",
    ),
    "member": ("{n}人目", "Person {n}"),
    "next": ("確認へ進む", "Continue"),
    "privacy": (
        "入力された情報は、この予約の受付と連絡のためだけに使います。来庁日から{days}日後に氏名・連絡先を消去します。",
        "We use these details only for this booking and to contact you about it. Your name and contacts are "
        "erased {days} days after the visit.",
    ),
    "confirm_title": ("予約内容の確認", "Check your booking"),
    "confirm_button": ("予約する", "Book"),
    "procedure": ("手続き", "Procedure"),
    "venue": ("場所", "Place"),
    "when": ("日時", "Date and time"),
    "people": ("人数", "People"),
    "done_title": ("予約が完了しました", "Your booking is complete"),
    "booking_no": ("予約番号", "Booking number"),
    "slot_id": ("時間", "Time"),
    "secret_link": ("確認・変更・取消用のリンク", "Your link to view, change or cancel"),
    "secret_hint": (
        "このリンクは他人に知らせないでください。メモまたはブックマークをお願いします。",
        "Keep this link to yourself. Please bookmark it or write it down.",
    ),
    "mail_sent": ("確認メールを送信します。", "A confirmation email is on its way."),
    "slip_title": ("予約票", "Booking slip"),
    "slip_link": ("予約票(印刷・カレンダー登録・QRコード)", "Booking slip (print, calendar, QR code)"),
    "slip_hint": (
        "このページを印刷するか画面を保存して、来庁日にお持ちください。メールを登録していない方の控えになります。",
        "Print this page or save a screenshot and bring it on the day. It is your reminder if you gave no "
        "email address.",
    ),
    "map_link": ("地図を開く(OpenStreetMap)", "Open the map (OpenStreetMap)"),
    "new_window": ("新しいウィンドウで開きます", "opens in a new window"),
    "qr_title": ("窓口で見せるQRコード", "QR code to show at the counter"),
    "qr_alt": ("予約番号 {no} のQRコード", "QR code of booking number {no}"),
    "qr_hint": (
        "窓口でこのQRコードか予約番号をお見せください。",
        "Show this QR code or your booking number at the counter.",
    ),
    "add_calendar": ("カレンダーに追加(.ics)", "Add to calendar (.ics)"),
    "print_button": ("印刷する", "Print"),
    "print_hint": (
        "ブラウザのメニューから印刷できます。",
        "Use your browser's Print command to print this page.",
    ),
    "date": ("日にち", "Date"),
    "time": ("時間", "Time"),
    "time_range": ("{start}〜{end}", "{start} to {end}"),
    "people_count": ("{n}名", "{n}"),
    "manage_link": ("予約の確認・変更・取消へ", "View, change or cancel this booking"),
    "taken_title": ("その時間は今ちょうど埋まりました", "That time was just taken"),
    "taken_text": (
        "申し訳ありません。ほかの方が先に予約しました。近い時間の空きはこちらです。",
        "Sorry, someone booked it a moment before you. These nearby times are still free.",
    ),
    "no_nearby": (
        "近い空き時間はありません。別の日を選んでください。",
        "No free times nearby. Please choose another day.",
    ),
    "other_day": ("別の日を選ぶ", "Choose another day"),
    "manage_title": ("ご予約の内容", "Your booking"),
    "status_booked": ("予約中", "Booked"),
    "status_cancelled": ("取消済み", "Cancelled"),
    "change_button": ("日時を変更する", "Change the date or time"),
    "cancel_button": ("予約を取り消す", "Cancel the booking"),
    "book_again": ("新しく予約する", "Make a new booking"),
    "cancel_title": ("予約の取消", "Cancel your booking"),
    "cancel_confirm": ("この予約を取り消しますか。", "Do you want to cancel this booking?"),
    "cancel_do": ("取り消す", "Yes, cancel it"),
    "cancelled": ("予約を取り消しました。", "Your booking has been cancelled."),
    "changed": ("予約を変更しました。", "Your booking has been changed."),
    "deadline": ("変更・取消の期限", "Changes and cancellations until"),
    "change_title": ("変更内容の確認", "Check the change"),
    "change_from": ("変更前", "Before"),
    "change_to": ("変更後", "After"),
    "change_do": ("変更する", "Change"),
    "changing": (
        "予約の変更中です。新しい日時を選んでください。",
        "You are changing a booking. Choose the new time.",
    ),
    "lookup_title": ("予約の確認・変更・取消", "Find your booking"),
    "lookup_text": (
        "予約番号と、生年月日または電話番号を入力してください。",
        "Enter your booking number and your date of birth or phone number.",
    ),
    "birth_or_phone": ("生年月日か電話番号を入力してください", "Enter your date of birth or phone number"),
    "lookup_button": ("予約を探す", "Find booking"),
    "lookup_failed": (
        "予約が見つかりません。予約番号と生年月日・電話番号を確かめてください。",
        "No booking found. Please check the booking number and your date of birth or phone.",
    ),
    "errors_title": ("入力内容を確認してください", "Please check what you entered"),
    "required": ("入力してください", "This is required"),
    "too_long": ("{n}文字以内で入力してください", "Use at most {n} characters"),
    "birth_format": (
        "19641101 のように数字8桁で入力してください(1964/11/1、昭和39年11月1日 も可)",
        "Enter your date of birth as 8 digits, e.g. 19641101 (or 1964/11/1)",
    ),
    "birth_no_such_day": (
        "その日付はありません。月と日を確かめてください",
        "There is no such day. Please check the month and day",
    ),
    "birth_outside_era": (
        "元号と年が合いません(例: 2019年5月1日は令和元年5月1日)。西暦でも入力できます",
        "The year does not fit that era. Enter the year as e.g. 1964 instead",
    ),
    "birth_future": (
        "今日より後の日付です。生年月日を確かめてください",
        "This date is after today. Please check your date of birth",
    ),
    "birth_too_early": ("1900年1月1日以降の日付を入力してください", "Enter a date from 1 January 1900 on"),
    "bad_kana": (
        "カタカナかひらがなで入力してください(例: フジサワ タロウ)",
        "Use katakana or hiragana, e.g. フジサワ タロウ",
    ),
    "bad_phone": ("電話番号は数字10〜11桁です", "A phone number has 10 or 11 digits"),
    "bad_email": ("メールアドレスの形が正しくありません", "This email address is not valid"),
    "bad_notice": ("番号は A1B-123456 の形です", "The number looks like A1B-123456"),
    "bad_characters": (
        "入力できない文字(制御文字)が含まれています。「\ufffd」の部分を消して入力し直してください",
        "This contains a character that cannot be used (a control character). Delete the \u201c\ufffd\u201d "
        "and type it again",
    ),
    "notice_unknown": (
        "交付通知書の番号と生年月日が一致しません。通知書をご確認ください。",
        "The notice number and date of birth do not match. Please check your notice.",
    ),
    "too_many_tries": (
        "試行回数が多すぎます。しばらくしてからお試しください。",
        "Too many attempts. Please try again later.",
    ),
    "bad_request": ("入力内容が正しくありません", "The request was not valid"),
    "expired_form": (
        "画面の有効期限が切れました。もう一度お試しください。",
        "This page has expired. Please try again.",
    ),
    "server_error": (
        "処理中に問題が起きました。お手数ですが、もう一度お試しください。",
        "Something went wrong on our side. Please try again.",
    ),
    "too_large": ("送信された内容が大きすぎます", "What you sent is too large"),
    "not_found": ("ページが見つかりません", "Page not found"),
    "bad_booking_key": (
        "予約の送信内容が正しくありませんでした。内容を確かめて、もう一度「予約する」を押してください。",
        "The booking request was not valid. Please check the details and press “Book” again.",
    ),
    "no_hold": (
        "時間の確保がありません。もう一度時間を選んでください。",
        "No time is held for you. Please choose a time again.",
    ),
    "choose_slot": ("時間を選んでください", "Please choose a time"),
    "choose_party": ("人数を選んでください", "Please choose the number of people"),
    # Party sizes and pickups (core.domain.parties): asked before the times; notice numbers first.
    "persons": ("{n}人", "{n} {n_people}"),
    "party_apply": ("この人数で表示", "Show for this number"),
    "times_for_party": (
        "{n}人で予約できる時間だけを表示しています。",
        "Only times with room for {n} are shown.",
    ),
    "no_slots_party": (
        "この日に{n}人で予約できる時間はありません。人数を減らすか、別の日・場所を選んでください。",
        "No time on this day has room for {n}. Book fewer people or choose another day or place.",
    ),
    "venue_most": ("1回の予約で{n}人まで", "Up to {n} per booking"),
    "venue_unfit": (
        "この場所は1回の予約で{most}人までのため、{n}人では予約できません。",
        "This place serves at most {most} per booking, so it cannot take {n} people.",
    ),
    "venue_unfit_pickup": (
        "お一人ずつ分けて予約してください(人数を1人にして番号を入れ直してください)。",
        "Please book each person separately (set the number of people to 1 and enter the number again).",
    ),
    "party_not_allowed": (
        "この場所ではその人数で予約できません。人数か場所を選び直してください。",
        "This place cannot take that many people in one booking. "
        "Choose the number of people or the place again.",
    ),
    "notice_title": ("交付通知書の番号を入力してください", "Enter the number on your pickup notice"),
    "notice_intro": (
        "カードを保管している場所だけが受取の予約先になります。はじめに、受け取る方全員の交付通知書の番号と生年月日を入力してください。",
        "A card can only be picked up where it is kept. First enter the notice number and date of birth of "
        "everyone picking up a card.",
    ),
    "notice_picture_alt": (
        "交付通知書の見本。番号は右上の枠内、「交付通知書番号」の欄に印刷されています。",
        "Sample pickup notice: the number is printed in the box at the top right, labelled 交付通知書番号.",
    ),
    "notice_picture_caption": (
        "番号は交付通知書の右上、赤い枠の位置に印刷されています(例: A1B-123456)。",
        "The number is printed at the top right of the notice, where the red box is (e.g. A1B-123456).",
    ),
    "pickup_people": ("受け取る人数", "People picking up a card"),
    "notice_you": ("受け取る方", "The person picking up"),
    "notice_check": ("番号を確かめて場所を選ぶ", "Check the number and choose a place"),
    "notice_no_short": ("通知書番号", "notice"),
    "notice_again": ("交付通知書の番号を入れ直す", "Enter the notice numbers again"),
    "card_kept_at": (
        "カードは{venue}で保管しています。受取の予約はこちらでできます。",
        "Your card is kept at {venue}. You can book the pickup there.",
    ),
    "notice_not_ready": (
        "このカードはまだ受け取れません。交付通知書が届いてから予約してください。",
        "This card is not ready yet. Please book once the pickup notice has reached you.",
    ),
    "notice_no_venue": (
        "このカードの受取場所はオンラインでは予約できません。市民窓口センターへお電話ください。",
        "This card cannot be booked online. Please call the Citizens' Service Center.",
    ),
    "notice_wait": (
        "この番号は直前に誤った生年月日で試されたため、確認を一時止めています。{n}秒後にもう一度お試しください。"
        "続く場合は市民窓口センターへお電話ください。",
        "This number was just tried with a wrong date of birth, so checks are paused. "
        "Please try again in {n} s. If this keeps happening, please call the Citizens' Service Center.",
    ),
    "lookup_wait": (
        "この予約番号は直前に誤った内容で試されました。{n}秒後にもう一度お試しください。",
        "This booking number was just tried with wrong details. Please try again in {n} s.",
    ),
    "notice_twice": ("同じ番号が二度入力されています", "The same number was entered twice"),
    "notice_split": (
        "ご家族のカードが別々の場所で保管されています。場所ごとに分けて予約してください。",
        "Your family's cards are kept at different places. Please book each place separately.",
    ),
    "check_field": ("入力内容を確かめてください", "Please check what you entered here"),
    "this_field": ("この項目", "This field"),
    "error_title": ("エラー", "Error"),
    "footer": ("藤沢市 市民窓口センター 電話 0466-25-1111(代表)", "Fujisawa City Hall, tel. 0466-25-1111"),
}


def lang() -> str:
    """The language of this request: ?lang=, then the session, then Japanese."""
    if "lang" in g:
        return str(g.lang)
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    current = session.get("lang", "ja")
    g.lang = current if current in LANGUAGES else "ja"
    return str(g.lang)


def translate(key: str, **values: object) -> str:
    """The text of KEY in the request's language (KEY itself when the catalog lacks it)."""
    pair = CATALOG.get(key)
    if pair is None:
        return key
    text = pair[1] if lang() == "en" else pair[0]
    if "n" in values:  # "1 person", "2 people"
        values = {**values, "n_people": "person" if str(values["n"]) == "1" else "people"}
    return text.format(**values) if values else text


def switch_url(code: str) -> str:
    """This page's address in language CODE, keeping its other query parameters (e.g. the month).

    Built from the route's name and arguments, never from the path as sent: a path such as `/%5Cevil.example/`
    would otherwise give a link that browsers read as another site. A page no route matched (the 404 page)
    links the top page; url_for's own options (`_external`, `_scheme`, ...) are never taken from the query."""
    if request.url_rule is None or request.endpoint is None:
        return url_for("booking.index", lang=code)
    values: dict[str, Any] = {k: v for k, v in request.args.items() if k != "lang" and not k.startswith("_")}
    values.update(request.view_args or {})
    values["lang"] = code
    return url_for(request.endpoint, **values)


def _in_language(render: Callable[[T, str], str]) -> Callable[[T], str]:
    def formatted(value: T) -> str:
        return render(value, lang())

    return formatted


long_day: Callable[[date], str] = _in_language(dates.day_text)
short_day: Callable[[date], str] = _in_language(dates.short_day_text)
when: Callable[[datetime], str] = _in_language(dates.when_text)
deadline: Callable[[datetime], str] = _in_language(dates.deadline_text)
month_name: Callable[[date], str] = _in_language(dates.month_text)
DATE_FILTERS: dict[str, Callable[..., str]] = {
    "long_day": long_day,  # 2026年12月7日(月) / Mon 7 Dec 2026
    "short_day": short_day,  # 12月7日(月) / Mon 7 Dec
    "when": when,  # 2026年12月7日(月) 10:30 / Mon 7 Dec 2026, 10:30
    "deadline": deadline,  # 12月6日(日) 23:59 / Sun 6 Dec 23:59
    "month_name": month_name,  # 2026年12月 / December 2026
    "hhmm": dates.time_text,  # 10:30 in Japan's time
}


def pick(ja: str | None, en: str | None) -> str:
    """The Japanese or English column of a database row."""
    return (en or ja or "") if lang() == "en" else (ja or "")
