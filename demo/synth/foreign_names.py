"""Names of 外国人住民 by nationality: (surnames, male given names, female given names).

Rows are "written:katakana:LATIN[:weight]" (underscore = space in the Latin form). Chinese, Korean and
Taiwanese names are written in kanji (Japanese forms, as the register does); the others in katakana.
"""

from __future__ import annotations

from demo.synth.sampling import NameRow, parse_table

NameTables = tuple[tuple[NameRow, ...], tuple[NameRow, ...], tuple[NameRow, ...]]

_KOREAN: NameTables = (
    parse_table(
        """
        金:キム:KIM:5 李:イ:LEE:4 朴:パク:PARK:3 崔:チェ:CHOI:2 鄭:チョン:JEONG:2 姜:カン:KANG
        趙:チョ:CHO 尹:ユン:YOON 張:チャン:JANG 林:イム:LIM 韓:ハン:HAN 呉:オ:OH 申:シン:SHIN
        """
    ),
    parse_table(
        """
        民俊:ミンジュン:MINJUN 英哲:ヨンチョル:YOUNGCHUL 成浩:ソンホ:SUNGHO 在勲:ジェフン:JAEHOON
        東旭:ドンウク:DONGWOOK 相佑:サンウ:SANGWOO 正植:ジョンシク:JEONGSIK 光洙:グァンス:KWANGSOO
        泰英:テヨン:TAEYOUNG 俊浩:ジュンホ:JUNHO
        """
    ),
    parse_table(
        """
        美英:ミヨン:MIYOUNG 秀珍:スジン:SUJIN 恩惠:ウネ:EUNHYE 知恩:ジウン:JIEUN
        貞淑:ジョンスク:JEONGSOOK 英子:ヨンジャ:YOUNGJA 順子:スンジャ:SOONJA 敏貞:ミンジョン:MINJEONG
        """
    ),
)
NAMES: dict[str, NameTables] = {
    "中国": (
        parse_table(
            """
            王:オウ:WANG:6 李:リ:LI:6 張:チョウ:ZHANG:5 劉:リュウ:LIU:4 陳:チン:CHEN:4 楊:ヨウ:YANG:3
            趙:チョウ:ZHAO:2 黄:コウ:HUANG:2 周:シュウ:ZHOU:2 呉:ゴ:WU:2 徐:ジョ:XU:2 孫:ソン:SUN:2
            馬:バ:MA 朱:シュ:ZHU 胡:コ:HU 林:リン:LIN 郭:カク:GUO 何:カ:HE 高:コウ:GAO
            """
        ),
        parse_table(
            """
            偉:イ:WEI 強:キョウ:QIANG 磊:ライ:LEI 軍:グン:JUN 勇:ユウ:YONG 傑:ケツ:JIE 浩:コウ:HAO
            鵬:ホウ:PENG 宇:ウ:YU 明:メイ:MING 志強:シキョウ:ZHIQIANG 建華:ケンカ:JIANHUA
            浩然:コウゼン:HAORAN 子軒:シケン:ZIXUAN
            """
        ),
        parse_table(
            """
            静:セイ:JING 麗:レイ:LI 敏:ビン:MIN 艶:エン:YAN 芳:ホウ:FANG 秀英:シュウエイ:XIUYING
            桂英:ケイエイ:GUIYING 玲:レイ:LING 雪:セツ:XUE 欣怡:キンイ:XINYI 紫涵:シカン:ZIHAN
            麗華:レイカ:LIHUA
            """
        ),
    ),
    "ベトナム": (
        parse_table(
            """
            グエン:グエン:NGUYEN:40 チャン:チャン:TRAN:11 レ:レ:LE:9 ファム:ファム:PHAM:7
            ホアン:ホアン:HOANG:5 フイン:フイン:HUYNH:5 ヴー:ヴー:VU:4 ダン:ダン:DANG:3 ブイ:ブイ:BUI:3
            ドー:ドー:DO:3
            """
        ),
        parse_table(
            """
            ヴァン・アン:ヴァン・アン:VAN_AN ヴァン・フン:ヴァン・フン:VAN_HUNG
            ドゥック・ミン:ドゥック・ミン:DUC_MINH ヴァン・トゥアン:ヴァン・トゥアン:VAN_TUAN
            クアン・フイ:クアン・フイ:QUANG_HUY タイン・ロン:タイン・ロン:THANH_LONG
            ミン・ホアン:ミン・ホアン:MINH_HOANG ヴァン・ナム:ヴァン・ナム:VAN_NAM
            """
        ),
        parse_table(
            """
            ティ・ホア:ティ・ホア:THI_HOA ティ・ラン:ティ・ラン:THI_LAN
            ティ・フオン:ティ・フオン:THI_HUONG ティ・ハン:ティ・ハン:THI_HANH
            ゴック・アイン:ゴック・アイン:NGOC_ANH ティ・トゥ:ティ・トゥ:THI_THU
            ティ・マイ:ティ・マイ:THI_MAI ティ・リン:ティ・リン:THI_LINH
            """
        ),
    ),
    "韓国": _KOREAN,
    "フィリピン": (
        parse_table(
            """
            サントス:サントス:SANTOS:3 レイエス:レイエス:REYES:2 クルス:クルス:CRUZ:2
            バウティスタ:バウティスタ:BAUTISTA:2 ガルシア:ガルシア:GARCIA:2
            メンドーサ:メンドーサ:MENDOZA ラモス:ラモス:RAMOS デラクルス:デラクルス:DELA_CRUZ
            アキノ:アキノ:AQUINO ビリヤヌエバ:ビリヤヌエバ:VILLANUEVA
            """
        ),
        parse_table(
            """
            ジョン:ジョン:JOHN マーク:マーク:MARK ホセ:ホセ:JOSE ミゲル:ミゲル:MIGUEL
            ジェームズ:ジェームズ:JAMES ロベルト:ロベルト:ROBERTO
            """
        ),
        parse_table(
            """
            マリア:マリア:MARIA ジェニファー:ジェニファー:JENNIFER メアリー:メアリー:MARY
            アンジェリカ:アンジェリカ:ANGELICA クリスティン:クリスティン:KRISTINE
            ロサリオ:ロサリオ:ROSARIO マリセル:マリセル:MARICEL ジョイ:ジョイ:JOY
            """
        ),
    ),
    "ネパール": (
        parse_table(
            """
            グルン:グルン:GURUNG タパ:タパ:THAPA シュレスタ:シュレスタ:SHRESTHA ライ:ライ:RAI
            マガル:マガル:MAGAR シャルマ:シャルマ:SHARMA タマン:タマン:TAMANG カドカ:カドカ:KHADKA
            """
        ),
        parse_table(
            """
            ラム:ラム:RAM ビシャル:ビシャル:BISHAL スニル:スニル:SUNIL ラジ:ラジ:RAJ
            ディパク:ディパク:DIPAK スレシュ:スレシュ:SURESH プラカシュ:プラカシュ:PRAKASH
            """
        ),
        parse_table(
            """
            サビナ:サビナ:SABINA スニタ:スニタ:SUNITA プジャ:プジャ:PUJA アニタ:アニタ:ANITA
            ラクシュミ:ラクシュミ:LAXMI ギタ:ギタ:GITA
            """
        ),
    ),
    "ブラジル": (
        parse_table(
            """
            シルバ:シルバ:SILVA:3 サントス:サントス:SANTOS:2 オリベイラ:オリベイラ:OLIVEIRA:2
            ソウザ:ソウザ:SOUZA:2 ペレイラ:ペレイラ:PEREIRA リマ:リマ:LIMA ナカムラ:ナカムラ:NAKAMURA
            タナカ:タナカ:TANAKA ヤマモト:ヤマモト:YAMAMOTO
            """
        ),
        parse_table(
            """
            ルーカス:ルーカス:LUCAS ガブリエル:ガブリエル:GABRIEL ラファエル:ラファエル:RAFAEL
            マルコス:マルコス:MARCOS パウロ:パウロ:PAULO
            """
        ),
        parse_table(
            """
            アナ:アナ:ANA ジュリアナ:ジュリアナ:JULIANA カミラ:カミラ:CAMILA
            フェルナンダ:フェルナンダ:FERNANDA パトリシア:パトリシア:PATRICIA
            """
        ),
    ),
    "台湾": (
        parse_table(
            """
            陳:チン:CHEN:3 林:リン:LIN:3 黄:コウ:HUANG:2 張:チョウ:CHANG:2 李:リ:LI:2 王:オウ:WANG:2
            呉:ゴ:WU 劉:リュウ:LIU
            """
        ),
        parse_table(
            """
            志明:シメイ:CHIH-MING 家豪:カゴウ:CHIA-HAO 冠宇:カンウ:KUAN-YU 俊傑:シュンケツ:CHUN-CHIEH
            """
        ),
        parse_table(
            """
            淑芬:シュクフン:SHU-FEN 美玲:ビレイ:MEI-LING 雅惠:ガケイ:YA-HUI 怡君:イクン:YI-CHUN
            """
        ),
    ),
    "米国": (
        parse_table(
            """
            スミス:スミス:SMITH ジョンソン:ジョンソン:JOHNSON ウィリアムズ:ウィリアムズ:WILLIAMS
            ブラウン:ブラウン:BROWN ジョーンズ:ジョーンズ:JONES ミラー:ミラー:MILLER
            デイビス:デイビス:DAVIS
            """
        ),
        parse_table(
            """
            ジョン:ジョン:JOHN マイケル:マイケル:MICHAEL デビッド:デビッド:DAVID
            ジェームズ:ジェームズ:JAMES ロバート:ロバート:ROBERT
            クリストファー:クリストファー:CHRISTOPHER
            """
        ),
        parse_table(
            """
            エミリー:エミリー:EMILY サラ:サラ:SARAH ジェシカ:ジェシカ:JESSICA
            アシュリー:アシュリー:ASHLEY エリザベス:エリザベス:ELIZABETH
            """
        ),
    ),
    "インドネシア": (
        parse_table(
            """
            サプトラ:サプトラ:SAPUTRA プラタマ:プラタマ:PRATAMA ウィジャヤ:ウィジャヤ:WIJAYA
            セティアワン:セティアワン:SETIAWAN ハリヤント:ハリヤント:HARIYANTO
            """
        ),
        parse_table(
            """
            アグス:アグス:AGUS ブディ:ブディ:BUDI リズキ:リズキ:RIZKI アフマド:アフマド:AHMAD
            """
        ),
        parse_table(
            """
            シティ:シティ:SITI デウィ:デウィ:DEWI プトゥリ:プトゥリ:PUTRI ヌル:ヌル:NUR
            """
        ),
    ),
    "ペルー": (
        parse_table(
            """
            ガルシア:ガルシア:GARCIA ロドリゲス:ロドリゲス:RODRIGUEZ フローレス:フローレス:FLORES
            キスペ:キスペ:QUISPE ヒガ:ヒガ:HIGA シロマ:シロマ:SHIROMA
            """
        ),
        parse_table(
            """
            カルロス:カルロス:CARLOS ホルヘ:ホルヘ:JORGE ルイス:ルイス:LUIS
            """
        ),
        parse_table(
            """
            ロサ:ロサ:ROSA カルメン:カルメン:CARMEN ルシア:ルシア:LUCIA
            """
        ),
    ),
    "インド": (
        parse_table(
            """
            シャルマ:シャルマ:SHARMA シン:シン:SINGH クマール:クマール:KUMAR パテル:パテル:PATEL
            グプタ:グプタ:GUPTA ラオ:ラオ:RAO
            """
        ),
        parse_table(
            """
            ラフル:ラフル:RAHUL アミット:アミット:AMIT ヴィカス:ヴィカス:VIKAS
            ラジェシュ:ラジェシュ:RAJESH アルジュン:アルジュン:ARJUN
            """
        ),
        parse_table(
            """
            プリヤ:プリヤ:PRIYA アンジャリ:アンジャリ:ANJALI ネハ:ネハ:NEHA ディヴィヤ:ディヴィヤ:DIVYA
            """
        ),
    ),
    "タイ": (
        parse_table(
            """
            スリウォン:スリウォン:SRIWONG チャイヤポン:チャイヤポン:CHAIYAPHON
            ウォンサワット:ウォンサワット:WONGSAWAT ブンミー:ブンミー:BOONMEE
            """
        ),
        parse_table(
            """
            ソムチャイ:ソムチャイ:SOMCHAI アナン:アナン:ANAN ウィチャイ:ウィチャイ:WICHAI
            """
        ),
        parse_table(
            """
            ソムスリ:ソムスリ:SOMSRI マリワン:マリワン:MALIWAN ニッタヤー:ニッタヤー:NITTAYA
            """
        ),
    ),
    "ミャンマー": (
        parse_table(
            """
            アウン:アウン:AUNG ミン:ミン:MIN チョー:チョー:KYAW トゥン:トゥン:TUN ウィン:ウィン:WIN
            """
        ),
        parse_table(
            """
            ミョー:ミョー:MYO ゾー:ゾー:ZAW ナイン:ナイン:NAING ソー:ソー:SOE
            """
        ),
        parse_table(
            """
            エイ:エイ:AYE ティダ:ティダ:THIDA スー:スー:SU ヌエ:ヌエ:NWE
            """
        ),
    ),
    "スリランカ": (
        parse_table(
            """
            ペレラ:ペレラ:PERERA フェルナンド:フェルナンド:FERNANDO シルバ:シルバ:SILVA
            ディサナヤケ:ディサナヤケ:DISSANAYAKE
            """
        ),
        parse_table(
            """
            チャミンダ:チャミンダ:CHAMINDA ニマル:ニマル:NIMAL ルワン:ルワン:RUWAN
            """
        ),
        parse_table(
            """
            ディルハニ:ディルハニ:DILHANI サンダミニ:サンダミニ:SANDAMINI ニルミニ:ニルミニ:NIRMINI
            """
        ),
    ),
    "英国": (
        parse_table(
            """
            スミス:スミス:SMITH ジョーンズ:ジョーンズ:JONES テイラー:テイラー:TAYLOR
            ブラウン:ブラウン:BROWN エバンズ:エバンズ:EVANS
            """
        ),
        parse_table(
            """
            オリバー:オリバー:OLIVER ジョージ:ジョージ:GEORGE ハリー:ハリー:HARRY
            トーマス:トーマス:THOMAS
            """
        ),
        parse_table(
            """
            オリビア:オリビア:OLIVIA エミリー:エミリー:EMILY ソフィー:ソフィー:SOPHIE
            シャーロット:シャーロット:CHARLOTTE
            """
        ),
    ),
    "朝鮮": _KOREAN,
    "バングラデシュ": (
        parse_table(
            """
            ホセイン:ホセイン:HOSSAIN ラーマン:ラーマン:RAHMAN イスラム:イスラム:ISLAM
            アハメド:アハメド:AHMED
            """
        ),
        parse_table(
            """
            モハンマド:モハンマド:MOHAMMAD カリム:カリム:KARIM ラフィク:ラフィク:RAFIQ
            """
        ),
        parse_table(
            """
            ファティマ:ファティマ:FATIMA ナスリン:ナスリン:NASRIN ルマ:ルマ:RUMA
            """
        ),
    ),
}
