*** Comments ***
# robocop: off=too-many-calls-in-test-case


*** Settings ***
Documentation     Acceptance of the c104test keyword library: every keyword against the demo RTU.
...
...               With ``RTU_PORT`` 0 (the default) the suite starts the demo RTU itself
...               (`Start Simulated RTU`, port 0), because some tests also change simulated
...               points. With ``RTU_HOST`` and ``RTU_PORT`` it tests an RTU that serves the demo
...               RTU's points instead, with their values still (``c104test simulate --no-changes``:
...               otherwise 201 and 303 change by themselves); the tests that change simulated points
...               are then skipped.
...               Demo RTU: CA 47; single points 100-101, double points 200-201, measured values
...               300-303, step position 310, bitstring 320, counters 400-401; commands 500 (breaker,
...               direct, returns on 100), 501 (earthing switch, select before operate, returns on
...               101), 502 (disconnector, returns on 200), 510/511 (set-points, return on 300/301),
...               520 (tap changer, returns on 310).
...
...               Tests tagged ``c104-peer`` also pass against a c104 (lib60870) server that mirrors
...               the demo RTU (tests/keywords/peers/c104_demo_rtu.py), run with
...               ``--include c104-peer --variable NEGATIVE_MIRROR:None``; the others say why they
...               do not. c104 sends no ACT_TERM after a command, which the default
...               ``act_term=optional`` accepts.
...
...               Each test walks through a whole procedure, so some call more than ten keywords.

Library           OperatingSystem
Resource          c104test.resource

Suite Setup       Start Demo RTU And Connect
Suite Teardown    Stop Demo RTU

Test Tags         acceptance


*** Variables ***
# How the RTU under test answers where RTUs differ; the defaults are the demo RTU's (the standard's).
# P/N of the COT 44-47 mirror of a refused command: the standard sets it; c104 sends a negative
# ACT_CON and then the mirror with P/N 0, so the c104 run passes None (either).
${NEGATIVE_MIRROR}    ${True}


*** Test Cases ***
Interrogation Brings Every Point
    [Documentation]    A station interrogation is confirmed and terminated, and brings every
    ...    monitored point with its profile value.
    [Tags]    c104-peer
    ${result}    Send Interrogation
    Should Be True    $result.positive and $result.terminated
    Length Should Be    ${result.objects}    10
    Get Point Value    100    ==    ON
    Get Point Value    101    ==    OFF
    Get Point Value    200    ==    ON
    Get Point Value    201    ==    OFF
    Get Point Value    300    ==    1234
    Get Point Value    301    ==    230.5
    Get Point Value    302    ==    49.98
    Get Point Value    303    ==    0.25
    Get Point Value    310    ==    5
    Get Point Value    320    ==    0x0000A5A5

Group Interrogation Brings Only Its Group
    [Documentation]    Group 2 brings the measured values only; an empty group is refused.
    # not c104-peer: c104 answers only the station interrogation (QOI 20) and refuses groups
    ${result}    Send Interrogation    qualifier=GROUP_2
    Length Should Be    ${result.objects}    4
    Expect Message    type=M_ME_NB_1    cot=INTERROGATED_BY_GROUP_2    io_address=300
    Expect No Message    io_address=100    within=200ms
    Send Interrogation    qualifier=GROUP_16    expect=NEGATIVE

Getters Compare Values With Assertion Operators
    [Documentation]    Get Point Value and Get Point Quality with the operators of robotframework-assertion-engine.
    [Tags]    c104-peer
    Send Interrogation
    ${value}    Get Point Value    300
    Should Be Equal As Integers    ${value}    1234
    Get Point Value    301    >    220
    Get Point Value    301    <=    230.5
    Get Point Value    300    !=    1
    Get Point Value    320    contains    0x0005
    Get Point Value    320    not contains    0x0002
    Get Point Value    302    validate    49.5 < value < 50.5
    ${quality}    Get Point Quality    301
    Should Be Empty    ${quality}
    Get Point Quality    301    ==    good
    Get Point Quality    301    not contains    IV

Counter Interrogation Reads The Counters
    [Documentation]    A general counter interrogation brings the integrated totals.
    [Tags]    c104-peer
    ${result}    Send Counter Interrogation
    Length Should Be    ${result.objects}    2
    Get Point Value    400    ==    12345
    Get Point Value    401    ==    678

Counter Group Interrogation Reads Its Group
    [Documentation]    A group counter interrogation brings the counters of that group.
    # not c104-peer: c104 refuses a counter interrogation of a group (RQT 1-4) with FRZ READ
    Send Counter Interrogation    qualifier=GROUP_1
    Expect Message    type=M_IT_NA_1    cot=REQUESTED_BY_GROUP_1_COUNTER    io_address=400

System Commands Are Confirmed
    [Documentation]    Clock synchronisation and the test command are confirmed.
    [Tags]    c104-peer
    Send Clock Sync
    Send Clock Sync    time=2025-06-01 12:00:00
    Send Test Command

Reset Process Is Confirmed
    [Documentation]    A general reset and a reset of the event buffer are confirmed.
    # not c104-peer: c104 does not implement C_RP_NA_1 (a negative ACT_CON, then a COT 47 copy)
    Send Reset Process
    Send Reset Process    qualifier=2

Unknown Types Are Refused With COT 44
    [Documentation]    C_TS_NA_1 (not an IEC 104 type) and a type that does not exist are
    ...    refused with COT 44.
    # not c104-peer: c104 sends no COT 44 for a type that lib60870 does not handle
    ${result}    Send Test Command    with_time=False    expect=NEGATIVE
    Should Be Equal    ${result.confirmation_cot.name}    UNKNOWN_TYPE_ID
    ${ca}    Octets In Hex    ${CA}    2
    Send ASDU    C8 01 06 00 ${ca} 00 00 00 00 00
    Expect Message    type=200    cot=UNKNOWN_TYPE_ID    negative=True

Read Returns The Object Without ACT_CON
    [Documentation]    A read brings the object with COT 5 and no ACT_CON; an unknown IOA is refused with COT 47.
    # not c104-peer: c104 answers a read with an ACT_CON before the object (c104 #75)
    Send Read Command    301
    Expect Message    type=M_ME_NC_1    cot=REQUEST    io_address=301
    Expect No Message    type=C_RD_NA_1    cot=ACTIVATION_CON    within=300ms
    Send Read Command    9999    expect=NEGATIVE
    Expect Message    type=C_RD_NA_1    cot=UNKNOWN_IOA    negative=True

Direct Single Command Reports Back
    [Documentation]    The breaker command executes directly and its position comes back as return information.
    [Tags]    c104-peer
    Send Command    500    OFF    C_SC_NA_1
    Expect Report    100    OFF
    Expect Message    type=M_SP_NA_1    cot=RETURN_INFO_REMOTE    io_address=100
    Send Command    500    ON    C_SC_NA_1    qualifier=SHORT_PULSE
    Expect Report    100    ON

Select Before Operate Reports Back
    [Documentation]    The earthing switch needs a select; an execute without one is refused.
    [Tags]    c104-peer
    Send Command    501    ON    C_SC_NA_1    select=True
    Expect Report    101    ON
    Expect Message    type=M_SP_TB_1    cot=RETURN_INFO_REMOTE    io_address=101
    Send Command    501    ON    C_SC_NA_1    expect=NEGATIVE
    Send Command    501    OFF    C_SC_NA_1    select=True
    Expect Report    101    OFF
    # the demo RTU has no time-tagged command point: C_SC_TA_1 is an unknown type there
    Send Command    500    ON    C_SC_NA_1    with_time=True    expect=NEGATIVE
    Expect Message    type=C_SC_TA_1    cot=UNKNOWN_TYPE_ID    negative=${NEGATIVE_MIRROR}

Double Command Set-points And Steps Report Back
    [Documentation]    Double command, scaled and float set-points and a regulating step each change their return point.
    ...    The set-points are commanded back, so that an RTU under test is left as it was found.
    [Tags]    c104-peer
    Send Command    502    OFF    C_DC_NA_1
    Expect Report    200    OFF    timeout=3s
    Send Command    502    ON    C_DC_NA_1
    Expect Report    200    ON
    Send Command    510    1500    C_SE_NB_1
    Expect Report    300    1500
    Send Command    510    1234    C_SE_NB_1
    Expect Report    300    1234
    Send Command    511    231.5    C_SE_NC_1
    Expect Report    301    231.5 ± 0.01
    Send Command    511    230.5    C_SE_NC_1
    Expect Report    301    230.5 ± 0.01
    Send Command    520    HIGHER    C_RC_NA_1
    Expect Report    310    6
    Send Command    520    LOWER    C_RC_NA_1
    Expect Report    310    5    tolerance=0

Refused Commands Pass With Expect NEGATIVE Or ANY
    [Documentation]    Refusals (unknown IOA, forbidden state, unknown CA) pass when the test expects them.
    [Tags]    c104-peer
    ${result}    Send Command    9999    ON    C_SC_NA_1    expect=NEGATIVE
    Should Not Be True    ${result.positive}
    Expect Message    cot=UNKNOWN_IOA    negative=${NEGATIVE_MIRROR}
    ${result}    Send Command    502    INTERMEDIATE    C_DC_NA_1    expect=ANY
    Should Not Be True    ${result.positive}
    Send Command    500    ON    C_SC_NA_1    common_address=99    expect=NEGATIVE
    Expect Message    cot=UNKNOWN_CA    common_address=99

Simulated Changes Arrive Spontaneously
    [Documentation]    Set Simulated Point reports values and quality with the cause given.
    # not c104-peer: changes points of the simulated RTU
    Skip If    not ${SIMULATED}    changes points of the simulated RTU
    Set Simulated Point    100    OFF
    Expect Message    type=M_SP_NA_1    cot=SPONTANEOUS    io_address=100
    Expect State    100    OFF
    Set Simulated Point    201    ON
    ${message}    Expect Message    type=M_DP_TB_1    cot=SPONTANEOUS    io_address=201
    Should Not Be Equal    ${message.objects[0].time}    ${None}
    Set Simulated Point    301    229.75    quality=IV, NT
    Expect State    301    229.75
    Get Point Quality    301    contains    IV
    Get Point Quality    301    ==    IV, NT
    Set Simulated Point    301    ${None}    quality=good
    Expect Message    io_address=301    cot=SPONTANEOUS
    Get Point Quality    301    ==    good
    Set Simulated Point    300    1000    cause=PERIODIC
    Expect Message    type=M_ME_NB_1    cot=PERIODIC    io_address=300
    [Teardown]    Restore Demo Points

Data Transfer Stops And Starts
    [Documentation]    No data while stopped; what changed meanwhile arrives after STARTDT.
    # not c104-peer: changes points of the simulated RTU
    Skip If    not ${SIMULATED}    changes points of the simulated RTU
    Stop Data Transfer
    Set Simulated Point    100    OFF
    Expect No Message    io_address=100    within=300ms
    Send Test Frame
    Start Data Transfer
    Expect Message    type=M_SP_NA_1    cot=SPONTANEOUS    io_address=100
    [Teardown]    Restore Demo Points

Connections Have Aliases And Indexes
    [Documentation]    Several connections, switched by alias or index, as in SSHLibrary.
    [Tags]    c104-peer
    ${second}    Connect To RTU    ${RTU_HOST}    ${RTU_PORT_IN_USE}    alias=second    common_address=${CA}
    Should Be Equal As Integers    ${second}    2
    ${previous}    Switch RTU Connection    main
    Should Be Equal As Integers    ${previous}    2
    Send Test Command
    ${previous}    Switch RTU Connection    second
    Should Be Equal As Integers    ${previous}    1
    Send Interrogation
    Disconnect From RTU    second
    Run Keyword And Expect Error    No RTU connection: use Connect To RTU first.    Send Test Command
    Switch RTU Connection    1
    Send Test Command

RTU Timeout Can Be Changed And Restored
    [Documentation]    Set RTU Timeout returns the previous value so a test can restore it.
    [Tags]    c104-peer
    ${previous}    Set RTU Timeout    2s
    Should Be Equal    ${previous}    ${RTU_TIMEOUT_TEXT}
    ${again}    Set RTU Timeout    ${previous}
    Should Be Equal    ${again}    2 seconds

Traffic Is Logged And Captured
    [Documentation]    Log Traffic logs the explained frames; Save Traffic Capture writes a pcap file.
    [Tags]    c104-peer
    Send Interrogation
    ${lines}    Log Traffic    5
    Length Should Be    ${lines}    5
    ${count}    Save Traffic Capture    ${OUTPUT DIR}${/}acceptance.pcap
    Should Be True    ${count} > 10
    File Should Exist    ${OUTPUT DIR}${/}acceptance.pcap

Raw Frames And Link Options
    [Documentation]    Raw APDUs, withheld acknowledgements and ignored test frames.
    [Tags]    c104-peer
    Send Raw APDU    68 04 43 00 00 00
    Expect Frame    TESTFR_CON
    Send Test Frame
    Withhold Acknowledgements
    Send Test Command
    Expect Frame    I_FRAME
    Send Acknowledgement
    Withhold Acknowledgements    False
    Ignore Test Frames
    Ignore Test Frames    False

Sequence Error Closes The Connection
    [Documentation]    An I-frame with a wrong N(S) makes the RTU close the connection.
    [Tags]    c104-peer
    ${ca}    Octets In Hex    ${CA}    2
    Send ASDU    64 01 06 00 ${ca} 00 00 00 14    send_seq=5
    ${reason}    Expect Connection Closed    timeout=2s
    Log    ${reason}
    [Teardown]    Reconnect Main Connection

Second Simulated RTU Runs Beside The First
    [Documentation]    Two simulators in one process; stopping one closes its connections only.
    # not c104-peer: tests a second simulated RTU, not the RTU under test
    ${port}    Start Simulated RTU    alias=spare
    # the spare is the demo RTU (CA 47) whatever RTU is under test (--variable CA:12 ...)
    Connect To RTU    127.0.0.1    ${port}    alias=spare    common_address=47
    Send Interrogation
    Set Simulated Point    100    OFF    alias=spare
    Expect State    100    OFF
    Stop Simulated RTU    spare
    Expect Connection Closed    timeout=2s
    [Teardown]    Switch RTU Connection    main


*** Keywords ***
Start Demo RTU And Connect
    [Documentation]    With ``RTU_PORT`` 0 starts the demo RTU (alias ``demo``) on a free port;
    ...    otherwise uses the RTU at ``RTU_HOST``:``RTU_PORT``, which must serve the demo RTU's
    ...    points. Opens the connection ``main`` to it.
    Start RTU Under Test    alias=demo
    Connect To RTU    ${RTU_HOST}    ${RTU_PORT_IN_USE}    alias=main    common_address=${CA}
    ${text}    Set RTU Timeout    ${RTU_TIMEOUT}
    VAR    ${RTU_TIMEOUT_TEXT}    ${text}    scope=SUITE    # robocop: off=no-suite-variable

Stop Demo RTU
    [Documentation]    Closes every connection and stops the demo RTU if this suite started it.
    Close All RTU Connections
    IF    ${SIMULATED}    Stop Simulated RTU    demo

Restore Demo Points
    [Documentation]    Puts the points that tests change back to their profile values.
    IF    not ${SIMULATED}    RETURN
    Start Data Transfer
    Set Simulated Point    100    ON    alias=demo
    Set Simulated Point    201    OFF    alias=demo
    Set Simulated Point    300    1234    alias=demo
    Set Simulated Point    301    230.5    quality=good    alias=demo

Reconnect Main Connection
    [Documentation]    Replaces the connection ``main`` (after a test that made the RTU close it).
    Disconnect From RTU    main
    Connect To RTU    ${RTU_HOST}    ${RTU_PORT_IN_USE}    alias=main    common_address=${CA}
