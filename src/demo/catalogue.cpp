#include "demo/catalogue.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace recur::demo {
namespace {

// One brand's line within a subcategory. `factor` scales the variants' base prices (for 3C,
// where each line has its own price, the base price is 1 and the factor is the price).
struct LineSpec {
  const char* brand;
  const char* line;
  double factor;
};

// A variant: size, stage or colour. `size` scales how long a consumable unit lasts.
struct VariantSpec {
  const char* label;
  const char* stage;  // appended to the category path (奶粉 stages), or ""
  double base_price;  // yuan, before the line's factor
  double size;
};

struct SubcategorySpec {
  const char* path;
  const char* keyword;
  const char* noun;  // appended to the line in product names, may be ""
  const char* unit;
  Family family;
  Season season;
  Role role;
  bool consumable;
  double cycle_days;  // days one unit of the base size lasts (consumables)
  double popularity;
  bool staged;  // variants are life stages in order (a baby grows through them)
  std::vector<LineSpec> lines;
  std::vector<VariantSpec> variants;
};

constexpr const char* kFamilyPrefix[kFamilies] = {"MY", "MZ", "SP", "FZ", "SM"};

std::vector<SubcategorySpec> assortment() {
  using F = Family;
  using S = Season;
  using R = Role;
  const std::vector<VariantSpec> one = {{"", "", 1.0, 1.0}};
  return {
      // 母婴
      {"母婴/纸尿裤",
       "纸尿裤",
       "纸尿裤",
       "包",
       F::kBaby,
       S::kAllYear,
       R::kDiapers,
       true,
       14,
       3.0,
       true,
       {{"帮宝适", "一级帮", 1.15},
        {"花王", "妙而舒", 1.0},
        {"好奇", "心钻装", 1.1},
        {"大王", "天使", 1.2},
        {"尤妮佳", "moony", 0.95}},
       {{"NB码 84片", "", 109, 1},
        {"S码 76片", "", 119, 1},
        {"M码 64片", "", 129, 1},
        {"L码 54片", "", 129, 1},
        {"XL码 44片", "", 129, 1}}},
      {"母婴/奶粉",
       "奶粉",
       "婴幼儿配方奶粉",
       "罐",
       F::kBaby,
       S::kAllYear,
       R::kMilkPowder,
       true,
       25,
       2.6,
       true,
       {{"飞鹤", "星飞帆", 1.0},
        {"美赞臣", "蓝臻", 1.25},
        {"爱他美", "卓萃", 1.3},
        {"惠氏", "启赋", 1.35},
        {"君乐宝", "至臻", 0.75},
        {"a2", "至初", 1.2}},
       {{"1段 800g", "一段", 298, 1}, {"2段 800g", "二段", 288, 1}, {"3段 800g", "三段", 268, 1}}},
      {"母婴/湿巾",
       "婴儿湿巾",
       "婴儿湿巾",
       "提",
       F::kBaby,
       S::kAllYear,
       R::kPlain,
       true,
       20,
       1.5,
       false,
       {{"全棉时代", "", 1.2}, {"贝亲", "", 1.0}, {"可心柔", "", 0.9}, {"子初", "", 0.85}},
       {{"80抽×6包", "", 49, 1}, {"80抽×12包", "", 89, 2}}},
      {"母婴/辅食",
       "宝宝辅食",
       "",
       "盒",
       F::kBaby,
       S::kAllYear,
       R::kPlain,
       true,
       20,
       1.2,
       false,
       {{"嘉宝", "高铁米粉", 1.0},
        {"亨氏", "营养米粉", 0.9},
        {"小皮", "有机果泥", 1.3},
        {"秋田满满", "宝宝面条", 1.1}},
       {{"1盒", "", 59, 1}, {"3盒装", "", 159, 3}}},
      {"母婴/喂养用品",
       "奶瓶",
       "",
       "个",
       F::kBaby,
       S::kAllYear,
       R::kPlain,
       false,
       0,
       0.8,
       false,
       {{"贝亲", "宽口径玻璃奶瓶", 1.0},
        {"可么多么", "硅胶奶瓶", 1.5},
        {"世喜", "吸管学饮杯", 0.9},
        {"贝亲", "安抚奶嘴", 0.4}},
       {{"", "", 129, 1}}},
      {"母婴/玩具",
       "婴儿玩具",
       "",
       "件",
       F::kBaby,
       S::kAllYear,
       R::kPlain,
       false,
       0,
       0.7,
       false,
       {{"费雪", "安抚海马", 1.0},
        {"乐高", "得宝大颗粒积木", 2.5},
        {"澳贝", "手摇铃套装", 0.6},
        {"伟易达", "学步车", 2.0},
        {"babycare", "爬行垫", 1.6}},
       {{"", "", 99, 1}}},
      // 美妆
      {"美妆/护肤/精华",
       "精华",
       "",
       "瓶",
       F::kBeauty,
       S::kAllYear,
       R::kPlain,
       true,
       75,
       2.0,
       false,
       {{"兰蔻", "小黑瓶精华肌底液", 2.6},
        {"雅诗兰黛", "小棕瓶特润修护精华", 2.6},
        {"欧莱雅", "青春密码黑精华", 1.0},
        {"珀莱雅", "红宝石精华", 0.9},
        {"薇诺娜", "舒敏保湿精华", 0.8},
        {"资生堂", "红腰子精华", 2.4}},
       {{"30ml", "", 300, 1}, {"50ml", "", 460, 1.6}}},
      {"美妆/护肤/面霜",
       "面霜",
       "",
       "瓶",
       F::kBeauty,
       S::kAllYear,
       R::kPlain,
       true,
       90,
       1.5,
       false,
       {{"兰蔻", "菁纯面霜", 3.5},
        {"雅诗兰黛", "多效智妍面霜", 2.2},
        {"欧莱雅", "复颜玻尿酸面霜", 0.9},
        {"自然堂", "雪域精粹霜", 0.6},
        {"百雀羚", "帧颜淡纹霜", 0.7},
        {"薇诺娜", "舒敏特护霜", 0.65}},
       {{"50ml", "", 300, 1}}},
      {"美妆/护肤/水乳",
       "水乳套装",
       "水乳套装",
       "套",
       F::kBeauty,
       S::kAllYear,
       R::kPlain,
       true,
       75,
       1.5,
       false,
       {{"自然堂", "", 1.0},
        {"百雀羚", "", 0.9},
        {"珀莱雅", "双抗", 1.2},
        {"欧莱雅", "复颜", 1.3},
        {"玉兰油", "大红瓶", 1.4},
        {"雅诗兰黛", "红石榴", 2.5}},
       {{"", "", 269, 1}}},
      {"美妆/护肤/洁面",
       "洗面奶",
       "",
       "支",
       F::kBeauty,
       S::kAllYear,
       R::kPlain,
       true,
       60,
       1.3,
       false,
       {{"芙丽芳丝", "净润洗面霜", 1.0},
        {"珂润", "润浸保湿洁面泡沫", 1.0},
        {"旁氏", "米粒洁面乳", 0.45},
        {"理肤泉", "清痘净肤洁面啫喱", 1.4},
        {"资生堂", "洗颜专科洁面乳", 0.5},
        {"薇诺娜", "舒敏洁面乳", 0.9}},
       {{"", "", 119, 1}}},
      {"美妆/护肤/面膜",
       "面膜",
       "",
       "盒",
       F::kBeauty,
       S::kAllYear,
       R::kPlain,
       true,
       30,
       1.4,
       false,
       {{"森田药妆", "玻尿酸面膜", 0.6},
        {"美迪惠尔", "补水面膜", 0.8},
        {"可复美", "胶原棒面膜", 1.2},
        {"敷尔佳", "医用修护贴", 1.0},
        {"薇诺娜", "舒敏面膜", 1.1}},
       {{"10片装", "", 129, 1}}},
      {"美妆/彩妆/口红",
       "口红",
       "",
       "支",
       F::kBeauty,
       S::kAllYear,
       R::kPlain,
       false,
       0,
       1.0,
       false,
       {{"完美日记", "小细跟口红", 0.25},
        {"花西子", "雕花口红", 0.5},
        {"迪奥", "烈艳蓝金唇膏", 1.0},
        {"阿玛尼", "红管唇釉", 0.95},
        {"圣罗兰", "小金条口红", 1.0}},
       {{"经典正红", "", 350, 1}, {"豆沙色", "", 350, 1}}},
      {"美妆/彩妆/粉底",
       "粉底液",
       "",
       "瓶",
       F::kBeauty,
       S::kAllYear,
       R::kPlain,
       true,
       120,
       0.8,
       false,
       {{"雅诗兰黛", "DW持妆粉底液", 1.0},
        {"阿玛尼", "权力粉底液", 1.3},
        {"毛戈平", "光感粉底膏", 0.9},
        {"花西子", "玉容粉底液", 0.45},
        {"完美日记", "持妆粉底液", 0.3}},
       {{"30ml", "", 450, 1}}},
      // 食品
      {"食品/粮油/大米",
       "大米",
       "",
       "袋",
       F::kFood,
       S::kAllYear,
       R::kPlain,
       true,
       30,
       1.6,
       false,
       {{"福临门", "五常稻花香大米", 1.0},
        {"金龙鱼", "东北大米", 0.8},
        {"十月稻田", "五常大米", 1.1},
        {"柴火大院", "五常稻花香", 1.3}},
       {{"5kg", "", 69, 1}, {"10kg", "", 129, 2}}},
      {"食品/粮油/食用油",
       "食用油",
       "",
       "桶",
       F::kFood,
       S::kAllYear,
       R::kPlain,
       true,
       30,
       1.4,
       false,
       {{"金龙鱼", "黄金比例调和油", 1.0},
        {"福临门", "一级大豆油", 0.85},
        {"鲁花", "5S压榨花生油", 1.9},
        {"多力", "葵花籽油", 1.3}},
       {{"5L", "", 79, 1}, {"1.8L", "", 35, 0.4}}},
      {"食品/乳品/牛奶",
       "牛奶",
       "",
       "箱",
       F::kFood,
       S::kAllYear,
       R::kPlain,
       true,
       14,
       1.6,
       false,
       {{"伊利", "纯牛奶", 1.0},
        {"蒙牛", "纯牛奶", 0.97},
        {"蒙牛", "特仑苏纯牛奶", 1.4},
        {"伊利", "金典有机纯牛奶", 1.45},
        {"伊利", "安慕希希腊风味酸奶", 1.2}},
       {{"250ml×16盒", "", 55, 1}}},
      {"食品/零食/坚果",
       "坚果",
       "",
       "盒",
       F::kFood,
       S::kAllYear,
       R::kPlain,
       true,
       20,
       1.4,
       false,
       {{"三只松鼠", "每日坚果", 1.0},
        {"良品铺子", "每日坚果", 1.0},
        {"百草味", "每日坚果", 0.95},
        {"洽洽", "小黄袋每日坚果", 0.9}},
       {{"750g,30袋装", "", 129, 1}, {"7袋装", "", 35, 0.25}}},
      {"食品/零食/饼干糕点",
       "饼干",
       "",
       "盒",
       F::kFood,
       S::kAllYear,
       R::kPlain,
       true,
       14,
       1.2,
       false,
       {{"奥利奥", "夹心饼干", 0.8},
        {"好丽友", "巧克力派", 0.9},
        {"稻香村", "糕点礼盒\"京八件\"", 2.5},
        {"达利园", "法式软面包", 0.7}},
       {{"", "", 29.9, 1}}},
      {"食品/饮料/咖啡",
       "咖啡",
       "",
       "盒",
       F::kFood,
       S::kAllYear,
       R::kPlain,
       true,
       30,
       1.1,
       false,
       {{"雀巢", "1+2原味速溶咖啡", 0.6},
        {"三顿半", "超即溶精品咖啡", 1.3},
        {"隅田川", "挂耳咖啡", 0.9},
        {"星巴克", "精品速溶咖啡", 1.2}},
       {{"", "", 89, 1}}},
      {"食品/调味品",
       "酱油",
       "",
       "瓶",
       F::kFood,
       S::kAllYear,
       R::kPlain,
       true,
       45,
       1.0,
       false,
       {{"海天", "味极鲜酱油", 1.0},
        {"李锦记", "旧庄特级蚝油", 1.1},
        {"千禾", "零添加酱油", 1.2},
        {"老干妈", "风味豆豉油辣椒", 0.7},
        {"恒顺", "镇江香醋", 0.8},
        {"太太乐", "鸡精", 0.9}},
       {{"", "", 19.9, 1}}},
      {"食品/方便速食",
       "方便面",
       "",
       "箱",
       F::kFood,
       S::kAllYear,
       R::kPlain,
       true,
       14,
       0.9,
       false,
       {{"康师傅", "红烧牛肉面", 1.0},
        {"统一", "老坛酸菜牛肉面", 1.0},
        {"白象", "汤好喝骨汤面", 1.05},
        {"螺霸王", "螺蛳粉", 1.6}},
       {{"", "", 39.9, 1}}},
      // 服装
      {"服装/女装/连衣裙",
       "连衣裙",
       "连衣裙",
       "件",
       F::kApparel,
       S::kSummer,
       R::kPlain,
       false,
       0,
       1.2,
       false,
       {{"伊芙丽", "法式碎花", 1.0},
        {"太平鸟", "收腰", 1.1},
        {"欧时力", "雪纺", 1.2},
        {"ONLY", "针织", 1.0}},
       {{"白色", "", 399, 1}, {"黑色", "", 399, 1}}},
      {"服装/女装/羽绒服",
       "羽绒服",
       "羽绒服",
       "件",
       F::kApparel,
       S::kWinter,
       R::kPlain,
       false,
       0,
       1.0,
       false,
       {{"波司登", "中长款", 1.6}, {"鸭鸭", "短款", 0.9}, {"雪中飞", "连帽", 0.8}},
       {{"黑色", "", 899, 1}, {"米白", "", 899, 1}}},
      {"服装/男装/T恤",
       "T恤",
       "T恤",
       "件",
       F::kApparel,
       S::kSummer,
       R::kPlain,
       false,
       0,
       1.2,
       false,
       {{"海澜之家", "纯棉圆领", 0.9},
        {"森马", "印花", 0.8},
        {"李宁", "速干运动", 1.1},
        {"太平鸟男装", "宽松", 1.2}},
       {{"白色", "", 99, 1}, {"藏青", "", 99, 1}}},
      {"服装/男装/夹克",
       "夹克",
       "夹克",
       "件",
       F::kApparel,
       S::kSpringAutumn,
       R::kPlain,
       false,
       0,
       0.9,
       false,
       {{"海澜之家", "立领", 1.0}, {"七匹狼", "商务", 1.3}, {"劲霸", "休闲", 1.4}},
       {{"黑色", "", 459, 1}, {"卡其", "", 459, 1}}},
      {"服装/童装",
       "童装",
       "",
       "件",
       F::kApparel,
       S::kAllYear,
       R::kPlain,
       false,
       0,
       1.0,
       false,
       {{"巴拉巴拉", "儿童卫衣", 1.0}, {"安奈儿", "儿童套装", 1.3}, {"小猪班纳", "儿童外套", 1.2}},
       {{"110cm", "", 159, 1}, {"130cm", "", 159, 1}}},
      {"服装/内衣袜子",
       "袜子",
       "",
       "件",
       F::kApparel,
       S::kAllYear,
       R::kPlain,
       false,
       0,
       0.8,
       false,
       {{"南极人", "男士棉袜10双装", 0.5},
        {"浪莎", "女士船袜6双装", 0.4},
        {"猫人", "保暖内衣套装", 1.4},
        {"蕉内", "无感内裤3条装", 1.0}},
       {{"", "", 99, 1}}},
      {"服装/运动鞋",
       "跑鞋",
       "",
       "双",
       F::kApparel,
       S::kAllYear,
       R::kPlain,
       false,
       0,
       1.0,
       false,
       {{"李宁", "赤兔6 跑鞋", 1.0},
        {"安踏", "C37 软底跑鞋", 0.8},
        {"特步", "160X 竞速跑鞋", 1.3},
        {"361度", "飞燃 跑鞋", 0.9}},
       {{"42码", "", 399, 1}, {"38码", "", 399, 1}}},
      // 3C: each line carries its own price.
      {"3C/手机",
       "手机",
       "",
       "台",
       F::kDigital,
       S::kAllYear,
       R::kPhone,
       false,
       0,
       0.5,
       false,
       {{"华为", "Mate 60 Pro 12+512GB", 6999},
        {"华为", "nova 12 8+256GB", 2999},
        {"小米", "14 12+256GB", 4299},
        {"小米", "Redmi K70 12+256GB", 2499},
        {"Apple", "iPhone 15 128GB", 5999},
        {"Apple", "iPhone 15 Pro 256GB", 8999},
        {"OPPO", "Reno11 12+256GB", 2699},
        {"vivo", "X100 12+256GB", 3999}},
       one},
      {"3C/耳机",
       "蓝牙耳机",
       "",
       "副",
       F::kDigital,
       S::kAllYear,
       R::kPlain,
       false,
       0,
       1.0,
       false,
       {{"华为", "FreeBuds Pro 3", 1199},
        {"小米", "Buds 4 Pro", 799},
        {"Apple", "AirPods Pro 第二代", 1899},
        {"漫步者", "Lolli3 真无线耳机", 299},
        {"索尼", "WF-1000XM5", 1699},
        {"QCY", "T13 蓝牙耳机", 99}},
       one},
      {"3C/平板电脑",
       "平板",
       "",
       "台",
       F::kDigital,
       S::kAllYear,
       R::kPlain,
       false,
       0,
       0.3,
       false,
       {{"Apple", "iPad 第十代 64GB", 3599},
        {"华为", "MatePad 11.5", 2099},
        {"小米", "平板6 8+128GB", 1999}},
       one},
      {"3C/配件/手机壳",
       "手机壳",
       "",
       "个",
       F::kDigital,
       S::kAllYear,
       R::kPhoneAccessory,
       false,
       0,
       1.2,
       false,
       {{"倍思", "液态硅胶手机壳", 59},
        {"图拉斯", "磁吸手机壳", 79},
        {"绿联", "透明防摔手机壳", 39},
        {"华为", "原装保护壳", 99},
        {"Apple", "MagSafe 硅胶保护壳", 399},
        {"小米", "原装保护壳", 49}},
       one},
      {"3C/配件/钢化膜",
       "钢化膜",
       "",
       "片",
       F::kDigital,
       S::kAllYear,
       R::kPhoneAccessory,
       false,
       0,
       1.0,
       false,
       {{"倍思", "全屏钢化膜2片装", 29},
        {"图拉斯", "防窥钢化膜", 49},
        {"绿联", "高清钢化膜2片装", 25},
        {"闪魔", "全屏钢化膜", 35}},
       one},
      {"3C/配件/充电器",
       "充电器",
       "",
       "个",
       F::kDigital,
       S::kAllYear,
       R::kPlain,
       false,
       0,
       0.7,
       false,
       {{"Anker", "30W 氮化镓充电器", 129},
        {"小米", "67W 充电器套装", 149},
        {"绿联", "65W 氮化镓充电器", 139},
        {"倍思", "20W 快充头", 49}},
       one},
      {"3C/配件/数据线",
       "数据线",
       "",
       "条",
       F::kDigital,
       S::kAllYear,
       R::kPlain,
       false,
       0,
       0.6,
       false,
       {{"绿联", "Type-C 数据线 1m", 29},
        {"Anker", "MFi认证 苹果数据线", 69},
        {"倍思", "100W 快充数据线", 39},
        {"小米", "6A Type-C 数据线", 29}},
       one},
      {"3C/智能穿戴",
       "手表",
       "",
       "块",
       F::kDigital,
       S::kAllYear,
       R::kPlain,
       false,
       0,
       0.4,
       false,
       {{"华为", "WATCH GT 4", 1488}, {"小米", "手环8", 239}, {"Apple", "Watch Series 9", 2999}},
       one},
  };
}

// A shop-like list price: ¥129.00 above ¥100, ¥39.90 below.
Fen list_price(double yuan) {
  if (yuan >= 100.0) {
    const auto tens = static_cast<Fen>(std::llround(yuan / 10.0));
    return (tens * 10 - 1) * 100;
  }
  const auto whole = static_cast<Fen>(std::floor(yuan));
  return whole * 100 + 90;
}

std::string join_name(const char* brand, const std::string& line_noun, const char* variant) {
  std::string name = brand;
  if (!line_noun.empty()) name += " " + line_noun;
  if (*variant != '\0') name += std::string(" ") + variant;
  return name;
}

struct ShopSpec {
  const char* id;
  const char* name;
  const char* city;
  int year;
  unsigned month, day;
  double opens_at;  // > 0: opens this fraction of the way through the history instead
};

const std::vector<ShopSpec>& shop_specs() {
  static const std::vector<ShopSpec> kShops = {
      {"SH01", "上海徐汇港汇店", "上海", 2016, 5, 1, 0},
      {"SH02", "上海浦东正大广场店", "上海", 2017, 9, 15, 0},
      {"SH03", "上海静安嘉里中心店", "上海", 2018, 4, 20, 0},
      {"SH04", "上海长宁来福士店", "上海", 2019, 10, 1, 0},
      {"SH05", "上海闵行万达店", "上海", 2020, 12, 12, 0},
      {"SH06", "上海杨浦五角场店", "上海", 0, 0, 0, 0.45},
      {"BJ01", "北京朝阳大悦城店", "北京", 2016, 8, 8, 0},
      {"BJ02", "北京西单大悦城店", "北京", 2017, 11, 11, 0},
      {"BJ03", "北京望京凯德店", "北京", 2019, 5, 1, 0},
      {"BJ04", "北京五道口店", "北京", 2021, 3, 15, 0},
      {"BJ05", "北京通州万达店", "北京", 0, 0, 0, 0.6},
      {"HZ01", "杭州湖滨银泰店", "杭州", 2017, 3, 18, 0},
      {"HZ02", "杭州西溪印象城店", "杭州", 2018, 9, 9, 0},
      {"HZ03", "杭州滨江龙湖天街店", "杭州", 2021, 6, 18, 0},
      {"HZ04", "杭州未来科技城店", "杭州", 0, 0, 0, 0.2},
      {"NJ01", "南京新街口德基店", "南京", 2017, 6, 1, 0},
      {"NJ02", "南京河西万达店", "南京", 2019, 8, 8, 0},
      {"NJ03", "南京江宁金鹰店", "南京", 2022, 4, 1, 0},
      {"SU01", "苏州观前街店", "苏州", 2018, 1, 1, 0},
      {"SU02", "苏州园区印象城店", "苏州", 2019, 12, 12, 0},
      {"SU03", "苏州吴中万达店", "苏州", 2022, 9, 30, 0},
      {"GZ01", "广州天河城店", "广州", 2017, 5, 20, 0},
      {"GZ02", "广州正佳广场店", "广州", 2018, 11, 11, 0},
      {"GZ03", "广州番禺万达店", "广州", 2021, 1, 1, 0},
      {"SZ01", "深圳万象城店", "深圳", 2017, 10, 1, 0},
      {"SZ02", "深圳海岸城店", "深圳", 2019, 4, 1, 0},
      {"SZ03", "深圳龙华壹方天地店", "深圳", 0, 0, 0, 0.8},
      {"CD01", "成都春熙路IFS店", "成都", 2018, 6, 18, 0},
      {"CD02", "成都环球中心店", "成都", 2020, 5, 20, 0},
      {"CD03", "成都天府大悦城店", "成都", 2022, 11, 11, 0},
      {"WH01", "武汉江汉路店", "武汉", 2019, 3, 8, 0},
      {"WH02", "武汉光谷世界城店", "武汉", 2021, 9, 1, 0},
  };
  return kShops;
}

}  // namespace

const std::vector<std::string>& cities_without_shops() {
  static const std::vector<std::string> kCities = {"天津", "重庆", "西安", "长沙", "郑州",
                                                   "青岛", "厦门", "合肥", "宁波", "无锡"};
  return kCities;
}

Catalogue Catalogue::build(Date first, Date last) {
  Catalogue c;
  std::array<int, kFamilies> family_count{};
  for (const SubcategorySpec& spec : assortment()) {
    const int sub_index = static_cast<int>(c.subcategories_.size());
    Subcategory sub;
    sub.path = spec.path;
    sub.keyword = spec.keyword;
    sub.family = spec.family;
    sub.season = spec.season;
    sub.role = spec.role;
    sub.consumable = spec.consumable;
    sub.popularity = spec.popularity;
    const int fam = static_cast<int>(spec.family);
    const int sub_number = ++family_count[fam];
    int item = 0;
    for (const LineSpec& line : spec.lines) {
      int previous_stage = -1;
      for (const VariantSpec& v : spec.variants) {
        Product p;
        p.sku = fmt::format("{}{:02}{:02}", kFamilyPrefix[fam], sub_number, ++item);
        p.name = join_name(line.brand, std::string(line.line) + spec.noun, v.label);
        p.category = *v.stage != '\0' ? fmt::format("{}/{}", spec.path, v.stage) : spec.path;
        p.brand = line.brand;
        p.unit = spec.unit;
        p.price = list_price(v.base_price * line.factor);
        p.consumable = spec.consumable;
        p.days_per_unit = spec.consumable ? spec.cycle_days * v.size : 0.0;
        p.subcategory = sub_index;
        const int index = static_cast<int>(c.products_.size());
        if (spec.staged && previous_stage >= 0) c.products_[previous_stage].next_stage = index;
        previous_stage = index;
        sub.products.push_back(index);
        c.products_.push_back(std::move(p));
      }
    }
    std::stable_sort(sub.products.begin(), sub.products.end(),
                     [&](int a, int b) { return c.products_[a].price < c.products_[b].price; });
    c.by_family_[fam].push_back(sub_index);
    if (spec.consumable && spec.cycle_days > 0) c.replenishable_.push_back(sub_index);
    c.subcategories_.push_back(std::move(sub));
  }

  // Shops. The first shop of each city has been open since before the history.
  const int span = last.days - first.days;
  for (const ShopSpec& s : shop_specs()) {
    Store store;
    store.id = s.id;
    store.name = s.name;
    store.kind = StoreKind::kStore;
    store.city = s.city;
    auto city = std::find(c.shop_cities_.begin(), c.shop_cities_.end(), store.city);
    const bool first_in_city = city == c.shop_cities_.end();
    if (s.opens_at > 0) {
      store.opened = first.plus_days(static_cast<int>(span * s.opens_at));
    } else {
      store.opened = Date::from_ymd(s.year, s.month, s.day);
      if (first_in_city) store.opened = std::min(store.opened, first);
    }
    if (first_in_city) {
      c.shop_cities_.push_back(store.city);
      c.shops_by_city_.emplace_back();
      city = c.shop_cities_.end() - 1;
    }
    c.shops_by_city_[city - c.shop_cities_.begin()].push_back(static_cast<int>(c.stores_.size()));
    c.stores_.push_back(std::move(store));
  }
  // The channels that are not a place.
  struct ChannelSpec {
    Channel channel;
    const char* name;
    StoreKind kind;
    Date opened;
  };
  const ChannelSpec channels[] = {
      {Channel::kOnline, "官方商城", StoreKind::kOnline, Date::from_ymd(2016, 1, 1)},
      {Channel::kMiniprogram, "微信小程序商城", StoreKind::kMiniprogram,
       Date::from_ymd(2019, 6, 1)},
      {Channel::kTmall, "天猫旗舰店", StoreKind::kMarketplace, Date::from_ymd(2017, 3, 1)},
      {Channel::kJd, "京东旗舰店", StoreKind::kMarketplace, Date::from_ymd(2018, 6, 18)},
  };
  c.channel_store_.fill(-1);
  for (const ChannelSpec& ch : channels) {
    Store store;
    store.id = std::string(channel_store_id(ch.channel));
    store.name = ch.name;
    store.kind = ch.kind;
    store.opened = std::min(ch.opened, first);
    c.channel_store_[index_of(ch.channel)] = static_cast<int>(c.stores_.size());
    c.stores_.push_back(std::move(store));
  }
  return c;
}

int Catalogue::subcategory_with_role(Role role) const {
  for (std::size_t i = 0; i < subcategories_.size(); ++i) {
    if (subcategories_[i].role == role) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace recur::demo
