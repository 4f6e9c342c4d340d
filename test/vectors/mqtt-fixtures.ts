/**
 * Payloads in the formats the gateways publish, shaped after their
 * documentation and real captures: zigbee2mqtt (bridge/devices, device state
 * of an Aqara climate sensor, a door contact, a leak sensor, a plug), Tasmota
 * (tele SENSOR with an AM2301 and the energy monitor, LWT), ESPHome (state
 * topics and status).
 */
export const z2mBridgeDevices = JSON.stringify([
  {
    ieee_address: '0x00124b0022334455',
    type: 'Coordinator',
    network_address: 0,
    supported: true,
    friendly_name: 'Coordinator',
    definition: null,
    interview_completed: true,
  },
  {
    ieee_address: '0x00158d0001a2b3c4',
    type: 'EndDevice',
    network_address: 31488,
    supported: true,
    friendly_name: 'living room/climate',
    disabled: false,
    description: null,
    definition: {
      model: 'WSDCGQ11LM',
      vendor: 'Aqara',
      description: 'Temperature, humidity and pressure sensor',
      exposes: [
        { type: 'numeric', name: 'temperature', property: 'temperature', access: 1, unit: '°C' },
        { type: 'numeric', name: 'humidity', property: 'humidity', access: 1, unit: '%' },
      ],
      options: [],
      supports_ota: false,
    },
    power_source: 'Battery',
    model_id: 'lumi.weather',
    manufacturer: 'LUMI',
    interviewing: false,
    interview_completed: true,
    endpoints: { '1': { bindings: [], configured_reportings: [], clusters: { input: ['genBasic'], output: [] } } },
  },
  {
    ieee_address: '0x00158d000455aabb',
    type: 'EndDevice',
    friendly_name: 'front door',
    definition: { model: 'MCCGQ11LM', vendor: 'Aqara', description: 'Door and window sensor', exposes: [], options: [] },
    power_source: 'Battery',
  },
  {
    ieee_address: '0xa4c138ffee001122',
    type: 'Router',
    friendly_name: 'kitchen/plug',
    definition: { model: 'TS011F_plug_1', vendor: 'Tuya', description: 'Smart plug (with power monitoring)', exposes: [], options: [] },
    power_source: 'Mains (single phase)',
  },
]);

export const z2mClimate = '{"battery":100,"humidity":45.12,"linkquality":87,"pressure":1002.1,"temperature":21.37,"voltage":3005}';
export const z2mDoor = '{"battery":91,"contact":false,"device_temperature":22,"linkquality":120,"power_outage_count":5,"voltage":2985}';
export const z2mLeak = '{"battery":100,"battery_low":false,"linkquality":54,"tamper":false,"water_leak":true}';
export const z2mPlug =
  '{"child_lock":"UNLOCK","current":0.05,"energy":1.23,"indicator_mode":"off/on","linkquality":160,"power":12.5,"power_outage_memory":"restore","state":"ON","update":{"installed_version":192,"latest_version":192,"state":"idle"},"voltage":231}';

export const tasmotaSensor =
  '{"Time":"2026-01-01T12:00:00","AM2301":{"Temperature":21.3,"Humidity":45.0,"DewPoint":8.9},"ENERGY":{"TotalStartTime":"2025-11-02T10:11:12","Total":12.345,"Yesterday":0.512,"Today":0.101,"Period":0,"Power":43,"ApparentPower":51,"ReactivePower":27,"Factor":0.84,"Voltage":229,"Current":0.222},"TempUnit":"C"}';
export const tasmotaState =
  '{"Time":"2026-01-01T12:00:00","Uptime":"0T01:02:03","UptimeSec":3723,"Heap":25,"SleepMode":"Dynamic","Sleep":50,"LoadAvg":19,"MqttCount":1,"POWER":"ON","Wifi":{"AP":1,"SSId":"home","RSSI":76}}';
