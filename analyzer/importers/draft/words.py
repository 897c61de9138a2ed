"""The words a draft recognises: header names and cell values in six languages.

Header names are matched folded (lower case, no accents, punctuation as spaces); Chinese names
are matched as substrings, since Chinese headers run words together (通话起始时间).
"""

from __future__ import annotations

import re
import unicodedata

# Event field -> header names, in English, Chinese, Spanish, French, German and Portuguese.
HEADERS: dict[str, tuple[str, ...]] = {
    "started_at": (
        "date", "datetime", "start", "start time", "start date", "session start", "call date",
        "date time", "timestamp", "begin",
        "日期", "开始时间", "起始时间", "通话起始时间", "时间日期", "通话时间", "发生时间",
        "fecha", "fecha y hora", "fecha hora", "inicio", "hora de inicio", "fecha inicio",
        "date et heure", "date heure", "debut", "date de debut", "heure de debut",
        "datum", "datum uhrzeit", "beginn", "startzeit", "verbindungsbeginn",
        "data", "data hora", "data e hora", "inicio da chamada",
    ),
    "time": ("time", "hour", "时间", "hora", "heure", "uhrzeit", "zeit", "horario"),
    "ended_at": ("end", "end time", "session end", "结束时间", "fin", "hora fin", "ende", "termino"),
    "line": (
        "line", "phone", "phone number", "number", "mobile", "my number", "service number", "service", "device",
        "msisdn", "subscriber", "mobile number", "本机号码", "号码", "手机号码", "用户号码",
        "linea", "numero de linea", "mi numero", "ligne", "numero de ligne", "mon numero",
        "rufnummer", "anschluss", "eigene nummer", "linha", "numero da linha", "meu numero",
    ),
    "counterparty": (
        "destination", "number destination", "called number", "dialled number", "other party",
        "partner s phone", "partner phone", "to", "number called", "called", "remote number",
        "对方号码", "被叫号码", "对端号码", "对方", "numero", "destino", "numero destino",
        "numero llamado", "correspondant", "numero appele", "destinataire", "numero compose",
        "zielrufnummer", "gegenstelle", "angerufene nummer", "ziel", "numero chamado",
        "numero de destino",
    ),
    "kind": (
        "type", "usage type", "service type", "call type", "record type", "category",
        "类型", "业务类型", "业务名称", "通话类型", "通信类型", "tipo", "tipo de servicio",
        "servicio", "tipo de llamada", "type d appel", "type de communication", "prestation",
        "art", "dienst", "verbindungsart", "leistung", "tipo de chamada", "servico",
    ),
    "direction": (
        "direction", "in out", "incoming outgoing", "sent received", "call direction",
        "方向", "呼叫类型", "主被叫", "呼叫方式", "sentido", "entrante saliente", "sens",
        "entrant sortant", "richtung", "eingehend ausgehend", "entrada saida",
    ),
    "quantity": (
        "volume", "usage", "units", "quantity", "data", "bytes", "kilobytes", "megabytes",
        "gigabytes", "kb", "mb", "gb", "流量", "数据流量", "使用量", "datos", "volumen",
        "cantidad", "consumo", "consommation", "volume de donnees", "quantite", "menge",
        "datenvolumen", "volumen", "verbrauch", "quantidade", "dados", "consumo de dados",
    ),
    "duration_s": (
        "duration", "call duration", "length", "minutes", "seconds", "billed duration",
        "时长", "通话时长", "计费时长", "duracion", "tiempo", "minutos", "segundos", "duree",
        "dauer", "gesprachsdauer", "verbindungsdauer", "duracao", "tempo",
    ),
    "country": (
        "country", "roaming country", "location country", "国家", "国家 地区", "pais",
        "pays", "land", "pais de roaming",
    ),
    "network": (
        "network", "operator", "carrier", "网络", "运营商", "red", "operador", "reseau",
        "operateur", "netz", "netzbetreiber", "rede",
    ),
    "roaming": (
        "roaming", "roaming type", "漫游", "漫游类型", "itinerancia", "itinerance", "roaming",
    ),
    "amount": (
        "amount", "charge", "charges", "cost", "price", "total", "surcharges", "fee",
        "excl gst", "amount due", "费用", "金额", "总话费", "话费", "小计", "合计", "通话费",
        "importe", "coste", "costo", "monto", "precio", "cargo", "montant", "prix", "cout",
        "tarif", "betrag", "kosten", "preis", "gebuhr", "entgelt", "valor", "custo", "preco",
    ),
    "currency": ("currency", "币种", "moneda", "devise", "wahrung", "moeda"),
    "description": (
        "description", "detail", "details", "location", "place", "备注", "说明", "话单位置",
        "通话地点", "detalle", "descripcion", "concepto", "lugar", "libelle", "detail",
        "lieu", "beschreibung", "ort", "descricao", "local",
    ),
}  # fmt: skip
# When two columns could be the amount, the total (with taxes as billed) wins.
TOTAL_WORDS = ("total", "小计", "合计", "总", "gesamt", "incl")
# Header parts that say a column is about the other party or is a label, not the event's value.
NOT_FIELD_WORDS = ("nickname", "昵称", "rate", "费率", "group", "partner s country")

# Cell values that say what a row is, per kind.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "voice": (
        "call", "calls", "voice", "dialled", "dialed", "telephony", "minutes",
        "语音", "通话", "电话", "llamada", "llamadas", "voz", "appel", "appels",
        "voix", "communication", "anruf", "anrufe", "gesprach", "telefonie", "chamada",
        "chamadas", "ligacao",
    ),
    "sms": ("sms", "text", "texts", "message", "messages", "短信", "短消息", "mensaje", "mensajes",
            "texto", "nachricht", "mensagem"),
    "mms": ("mms", "彩信", "multimedia"),
    "data": (
        "data", "internet", "gprs", "lte", "4g", "3g", "5g", "datos", "donnees", "daten",
        "dados", "流量", "上网", "数据", "web", "browsing",
    ),
    "fee": ("fee", "charge", "cargo", "frais", "gebuhr", "taxa", "费"),
    "plan": ("plan", "subscription", "forfait", "abonnement", "tarifa", "套餐", "月租", "assinatura"),
    "tax": ("tax", "vat", "gst", "iva", "tva", "mwst", "ust", "税"),
}  # fmt: skip
DIRECTION_WORDS: dict[str, tuple[str, ...]] = {
    "out": (
        "out", "outgoing", "sent", "originating", "mo", "主叫", "呼出", "发送",
        "saliente", "enviado", "enviada", "sortant", "emis", "envoye", "ausgehend", "gesendet",
        "abgehend", "efetuada", "enviada", "originada", "saida",
    ),
    "in": (
        "in", "incoming", "received", "terminating", "mt", "被叫", "呼入", "接收", "entrante",
        "recibido", "recibida", "entrant", "recu", "eingehend", "empfangen", "ankommend",
        "recebida", "recebido", "entrada",
    ),
}  # fmt: skip
ROAMING_NO = ("非漫游", "no", "non", "nein", "nao", "home", "domestic", "national", "本地", "否")
ROAMING_YES = ("漫游", "yes", "oui", "si", "sí", "ja", "sim", "roaming", "是", "international")
# Calls that did not connect: not billed usage.
UNANSWERED = ("no answer", "busy", "failed", "congestion", "missed", "unanswered", "未接", "未接通")
ANSWERED = ("answered", "connected", "已接", "接通")


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as single spaces: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", str(text).strip().lower())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", " ", bare).strip()


def has_cjk(text: str) -> bool:
    """Chinese (or Japanese) characters: names are then matched inside longer names."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def words_in(text: str, words: tuple[str, ...]) -> bool:
    """Whether any of ``words`` occurs in ``text`` as a whole word (as a substring for CJK)."""
    folded = f" {fold(text)} "
    for word in words:
        key = fold(word)
        if not key:
            continue
        if has_cjk(key) and key in folded:
            return True
        if f" {key} " in folded:
            return True
    return False


# Short names bills print that locale data does not list as names.
COUNTRY_ABBREVIATIONS = {"usa": "US", "uk": "GB", "uae": "AE", "prc": "CN", "rsa": "ZA"}

# The other side of a direction or yes/no word, for files that print only one of them.
COUNTERPARTS = {
    "outgoing": "incoming", "sent": "received", "主叫": "被叫", "saliente": "entrante",
    "sortant": "entrant", "ausgehend": "eingehend", "enviado": "recibido", "no": "yes",
    "yes": "no", "漫游": "非漫游", "非漫游": "漫游",
}  # fmt: skip
COUNTERPARTS |= {b: a for a, b in COUNTERPARTS.items() if b not in COUNTERPARTS}
